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
    private var scratch = [UInt8](repeating: 0, count: 16 * 1024)
    private var stream: RequestStream
    private var events: [RequestStream.Event] = []

    init(context: ServerContext) {
        self.context = context
        stream = RequestStream(limits: context.configuration.parserLimits, oneRequest: true)
    }

    /// Forgets the previous connection's bytes, keeping the buffers for the next one.
    mutating func reset() {
        stream = RequestStream(limits: context.configuration.parserLimits, oneRequest: true)
        events.removeAll(keepingCapacity: true)
    }

    /// Serves one request on `socket`; its owner closes it afterwards.
    mutating func serve(_ socket: borrowing Socket, peer: SocketAddress?) {
        let timeout = Duration.seconds(context.configuration.headerTimeout)
        do {
            try socket.setTimeouts(receive: nil, send: timeout)
        } catch {
            return
        }
        switch readRequest(socket, headDeadline: .after(timeout)) {
        case .closed:
            return
        case .unused:
            context.stats.unusedTimeouts.add()
        case .refused(let error, let request):
            if error == .headerTimeout || error == .bodyTimeout { context.stats.headTimeouts.add() }
            let response = PreparedResponse(error: error)
            // Recorded before the write: once the client has its answer it may send the next
            // request, whose line must come after this one (Docs/HTTP.md, Access log: send order).
            record(peer, requestLine: .refused(request), response.status, bodyBytes: response.body.count)
            respond(socket, with: RouteDecision(response: response))
            LingeringClose.finish(socket, timeout: timeout)
        case .request(let head, let bodyUnread):
            let decision = context.router.route(head)
            if decision.delay > .zero { Sleep.for(decision.delay) }
            record(peer, requestLine: .head(head), decision.response.status, bodyBytes: decision.bodyBytes)
            respond(socket, with: decision)
            if bodyUnread || stream.hasUnansweredBytes {
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
        case refused(HTTPError, RequestStream.RefusedRequest)
        /// A head, with `bodyUnread` when an `Expect: 100-continue` body was not read.
        case request(RequestHead, bodyUnread: Bool)
    }

    /// Reads until the stream yields its one event. The head must be complete within
    /// `--header-timeout` of acceptance; each read of a body must come within it of the last.
    private mutating func readRequest(_ socket: borrowing Socket, headDeadline: Instant) -> ReadOutcome {
        while events.isEmpty {
            let inBody = stream.position == .inBody
            let deadline = inBody ? Instant.after(.seconds(context.configuration.headerTimeout)) : headDeadline
            switch receive(socket, until: deadline, closeOnShutdown: stream.position == .betweenRequests) {
            case .data:
                continue
            case .closed where !inBody:
                return .closed
            case .timedOut, .closed:
                // A body cut short is answered as one that stopped arriving.
                guard case .refusal(let error, let request)? = stream.expire() else { return .unused }
                return .refused(error, request)
            }
        }
        switch events[0] {
        case .request(let head): return .request(head, bodyUnread: false)
        case .requestBeforeItsBody(let head): return .request(head, bodyUnread: true)
        case .refusal(let error, let request): return .refused(error, request)
        }
    }

    private enum Received { case data, timedOut, closed }

    /// Waits for the next bytes from the client and gives them to the stream. With
    /// `closeOnShutdown` (nothing sent yet), a shutdown ends the wait after the shutdown grace.
    private mutating func receive(_ socket: borrowing Socket, until deadline: Instant, closeOnShutdown: Bool) -> Received {
        var deadline = deadline
        // Once the shutdown is seen, only the grace is left: the shutdown is no longer watched.
        var watchesShutdown = closeOnShutdown
        while true {
            let shutdownFD = context.shutdownEvent.rawValue
            let ready: [Poll.Events]
            do {
                ready = try Poll.wait([(socket.rawValue, .readable), (shutdownFD, watchesShutdown ? .readable : [])], until: deadline)
            } catch {
                return .closed
            }
            if ready[0].isEmpty {
                if !ready[1].isEmpty, let graceEnd = context.graceDeadline {
                    watchesShutdown = false
                    deadline = min(deadline, graceEnd)
                    continue
                }
                if deadline.hasPassed { return closeOnShutdown && !watchesShutdown ? .closed : .timedOut }
                continue
            }
            let result: IOResult
            do {
                result = try scratch.withUnsafeMutableBytes { bytes in
                    Result { () throws(Errno) in try socket.read(into: bytes) }
                }.get()
            } catch {
                return .closed
            }
            switch result {
            case .bytes(let count):
                let read = scratch  // a local reference for the span (no copy): `self` is being changed
                stream.receive(read.span.extracting(0..<count), into: &events)
                return .data
            case .wouldBlock: continue
            case .endOfFile: return .closed
            }
        }
    }

    private func record(_ peer: SocketAddress?, requestLine: @autoclosure () -> AccessLog.RequestLine, _ status: HTTPStatus, bodyBytes: Int) {
        context.recordResponse(peerHost: peer?.host ?? "-", requestLine: requestLine(), status: status.code, bodyBytes: bodyBytes)
    }

    /// Writes the head and body, then a file's bytes from the file; each write must make
    /// progress within the socket's send timeout.
    private func respond(_ socket: borrowing Socket, with decision: RouteDecision) {
        let response = decision.response
        var head: [UInt8] = []
        head.reserveCapacity(response.head.count + 64)
        response.encodeHead(into: &head, dateLine: context.dates.line(), connection: .close, lines: context.connectionLines)
        var outcome = ResponseWriter.writeAll(socket, head, decision.omitBody ? [] : response.body)
        if outcome == .written, let file = decision.file {
            switch file.send(to: socket) {
            case .done: break
            case .blocked: outcome = .timedOut
            case .failed: outcome = .failed
            }
        }
        // Counted like the reactor's write deadline: a client that stopped reading.
        if outcome == .timedOut { context.stats.writeTimeouts.add() }
    }
}
