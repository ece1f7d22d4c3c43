import Glibc
import HTTP1
import LinuxIO

/// One request and one response on a blocking connection, then close: how the book's
/// servers (`--mode blocking` and `--mode pool`) treat every connection.
///
/// Invariant: every wait is bounded: the head must arrive within `--header-timeout` of
/// acceptance, the body must make progress within it, and a write that makes no progress
/// within it is abandoned; a shutdown closes a connection that has sent nothing yet.
struct OneShotExchange {
    let context: ServerContext
    private var buffer: [UInt8] = []
    private var scratch = [UInt8](repeating: 0, count: 16 * 1024)
    private var parser: RequestParser
    /// The request whose body is being read, for the access log if the body fails.
    private var lastHead: RequestHead?

    init(context: ServerContext) {
        self.context = context
        parser = RequestParser(limits: context.configuration.parserLimits)
        buffer.reserveCapacity(2048)
    }

    /// Forgets the previous connection's bytes, keeping the buffers for the next one.
    mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
        parser = RequestParser(limits: context.configuration.parserLimits)
        lastHead = nil
    }

    /// Serves one request on `socket`; its owner closes it afterwards.
    mutating func serve(_ socket: borrowing Socket, peer: SocketAddress?) {
        let timeout = context.configuration.headerTimeout
        do {
            try socket.setTimeouts(receive: nil, send: timeout)
        } catch {
            return
        }
        switch readRequest(socket, deadline: .after(seconds: timeout)) {
        case .closed:
            return
        case .unused:
            context.stats.unusedTimeouts.add()
        case .failed(let error):
            if error == .headerTimeout || error == .bodyTimeout { context.stats.headTimeouts.add() }
            // Recorded before the write: once the client has its answer it may send the next
            // request, whose line must come after this one (Docs/HTTP.md, Access log: send order).
            record(peer, requestLine: firstLine(), PreparedResponse(error: error), omitBody: false)
            respond(socket, with: PreparedResponse(error: error), omitBody: false)
            LingeringClose.finish(socket, timeout: timeout)
        case .request(let head, let bodyUnread):
            let decision = context.router.route(head)
            if decision.delayMilliseconds > 0 { Sleep.milliseconds(decision.delayMilliseconds) }
            record(peer, requestLine: .head(head), decision.response, omitBody: decision.omitBody)
            respond(socket, with: decision.response, omitBody: decision.omitBody)
            if bodyUnread || !buffer.isEmpty {
                LingeringClose.finish(socket, timeout: timeout)
            }
        }
    }

    private enum ReadOutcome {
        /// The client left or sent nothing before shutdown: close without a word.
        case closed
        /// Not a byte within `--header-timeout`: close without a word, as nginx does (a
        /// browser's spare preconnected socket must not get a 408 it would take for the
        /// answer to its next request).
        case unused
        case failed(HTTPError)
        /// A head, with `bodyUnread` when an `Expect: 100-continue` body was not read.
        case request(RequestHead, bodyUnread: Bool)
    }

    private mutating func readRequest(_ socket: borrowing Socket, deadline: Deadline) -> ReadOutcome {
        while true {
            // The span borrows `buffer` while the parser changes; keep them apart for exclusivity.
            var parser = self.parser
            let outcome = parser.parse(buffer.span)
            self.parser = parser
            switch outcome {
            case .failure(let error):
                return .failed(error)
            case .complete(let head, let headLength):
                buffer.removeFirst(headLength)
                lastHead = head
                if head.expectsContinue && buffer.isEmpty && head.framing != .none {
                    // RFC 9110 §10.1.1: answer with the final status instead of 100, then close.
                    return .request(head, bodyUnread: true)
                }
                if let error = readBody(socket, framing: head.framing) { return .failed(error) }
                return .request(head, bodyUnread: false)
            case .needMoreData:
                switch receive(socket, until: deadline, closeOnShutdown: buffer.isEmpty) {
                case .data: continue
                case .timedOut: return buffer.isEmpty ? .unused : .failed(.headerTimeout)
                case .closed: return .closed
                }
            }
        }
    }

    /// Reads past the body; each read must come within `--header-timeout` of the last one.
    private mutating func readBody(_ socket: borrowing Socket, framing: BodyFraming) -> HTTPError? {
        var decoder = BodyDecoder(framing: framing, maxBodyBytes: context.configuration.maxBodyBytes)
        while true {
            switch decoder.consume(buffer.span) {
            case .failure(let error):
                return error
            case .complete(let consumed):
                buffer.removeFirst(consumed)
                return nil
            case .needMoreData(let consumed):
                buffer.removeFirst(consumed)
                switch receive(socket, until: .after(seconds: context.configuration.headerTimeout), closeOnShutdown: false) {
                case .data: continue
                case .timedOut: return .bodyTimeout
                case .closed: return .bodyTimeout
                }
            }
        }
    }

    private enum Received { case data, timedOut, closed }

    /// Waits for and appends the next bytes from the client.
    private mutating func receive(_ socket: borrowing Socket, until deadline: Deadline, closeOnShutdown: Bool) -> Received {
        while true {
            let shutdownFD = context.shutdownEvent.rawValue
            let ready: [Poll.Events]
            do {
                ready = try Poll.wait([(socket.rawValue, .readable), (shutdownFD, closeOnShutdown ? .readable : [])], until: deadline)
            } catch {
                return .closed
            }
            if ready[0].isEmpty {
                if !ready[1].isEmpty { return .closed }
                if deadline.hasPassed { return .timedOut }
                continue
            }
            let result: IOResult
            do {
                result = try socket.read(appendingTo: &buffer, scratch: &scratch)
            } catch {
                return .closed
            }
            switch result {
            case .bytes:
                return .data
            case .wouldBlock: continue
            case .endOfFile: return .closed
            }
        }
    }

    private func record(_ peer: SocketAddress?, requestLine: @autoclosure () -> AccessLog.RequestLine, _ response: PreparedResponse, omitBody: Bool) {
        context.recordResponse(
            peerHost: peer?.host ?? "-", requestLine: requestLine(), status: response.status.code,
            bodyBytes: omitBody ? 0 : response.body.count)
    }

    /// The start of what the client sent, for the access log line of a request that failed
    /// to parse.
    private func firstLine() -> AccessLog.RequestLine {
        lastHead.map { AccessLog.RequestLine.head($0) } ?? .escaped(AccessLog.quotedRequestLine(buffer.span))
    }

    private func respond(_ socket: borrowing Socket, with response: PreparedResponse, omitBody: Bool) {
        var head: [UInt8] = []
        head.reserveCapacity(response.head.count + 64)
        response.encodeHead(into: &head, dateLine: context.dates.line(), connection: .close, lines: context.connectionLines)
        _ = ResponseWriter.writeAll(socket, head, omitBody ? [] : response.body)
    }
}
