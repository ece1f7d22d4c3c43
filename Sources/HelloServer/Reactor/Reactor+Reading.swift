import HTTP1
import LinuxIO
import ThreadPool

/// Reading and parsing on the reactor, and handing complete requests to a worker.
extension Reactor {
    /// Reads what the socket holds (edge-triggered: until it would block, or a short read
    /// shows it is empty) and parses it; hands off complete requests.
    func readAndParse(_ connection: Connection) {
        connection.readableWhileAway = false
        connection.mayHaveUnreadData = false
        readAvailable(connection)
        // Half-closed with nothing complete to answer: nobody is left to answer.
        if connection.peerClosed && connection.state == .reading { close(connection) }
    }

    private func readAvailable(_ connection: Connection) {
        while connection.state == .reading {
            let result: IOResult
            do {
                result = try scratch.withUnsafeMutableBytes { bytes in
                    Result { () throws(Errno) in try connection.socket.read(into: bytes) }
                }.get()
            } catch {
                close(connection)  // reset by the client: nothing to answer
                return
            }
            switch result {
            case .bytes(let count):
                let drained = count < scratch.count
                ingest(connection, count)
                if connection.state != .reading {
                    connection.mayHaveUnreadData = !drained
                    return
                }
                if drained { return }
            case .wouldBlock:
                return
            case .endOfFile:
                connection.peerClosed = true
                return
            }
        }
    }

    /// Parses `count` new bytes from `scratch` together with what the connection buffered.
    private func ingest(_ connection: Connection, _ count: Int) {
        let wasIdle = connection.phase == .idle
        // The first bytes: the head deadline keeps running from acceptance, and now ends in 408.
        if connection.phase == .unused { connection.phase = .head }
        let bodyBefore = connection.body != nil
        if connection.buffer.isEmpty {
            // Fast path: parse straight from the read buffer; keep only an unfinished tail.
            let consumed = process(connection, scratch.span.extracting(0..<count))
            if consumed < count { connection.buffer.append(contentsOf: scratch[consumed..<count]) }
        } else {
            connection.buffer.append(contentsOf: scratch[0..<count])
            processBuffered(connection)
        }
        afterParsing(connection, startedRequest: wasIdle, bodyProgress: bodyBefore || connection.body != nil)
    }

    /// Parses the connection's own buffer (after new bytes, or on hand-back for pipelined ones).
    func processBuffered(_ connection: Connection) {
        var consumed = 0
        do {
            // A local reference for the span; it ends before the buffer is changed (no copy).
            let buffer = connection.buffer
            consumed = process(connection, buffer.span)
        }
        connection.buffer.removeFirst(consumed)
    }

    /// Arms the right deadline, or hands the requests over.
    func afterParsing(_ connection: Connection, startedRequest: Bool, bodyProgress: Bool) {
        if !connection.requests.isEmpty {
            handOff(connection)
        } else if let error = connection.terminalError {
            connection.terminalError = nil
            respondWithError(connection, error)
        } else if connection.body != nil {
            if bodyProgress {
                connection.phase = .body
                arm(.request, connection)
            }
        } else if connection.hasPartialRequest && (startedRequest || connection.phase == .body) {
            // The head deadline runs from the first byte of the request; later bytes don't move it.
            connection.phase = .head
            arm(.request, connection)
        }
    }

    /// Runs the parser and body decoder over `bytes` (the current request from its first
    /// byte onwards); collects complete requests; returns how many bytes were used up.
    private func process(_ connection: Connection, _ bytes: Span<UInt8>) -> Int {
        var offset = 0
        while offset < bytes.count && !connection.closeAfterResponses {
            let rest = bytes.extracting(offset..<bytes.count)
            if var decoder = connection.body {
                switch decoder.consume(rest) {
                case .needMoreData(let consumed):
                    connection.body = decoder
                    return offset + consumed
                case .complete(let consumed):
                    offset += consumed
                    connection.body = nil
                    if let head = connection.headAwaitingBody { accept(head, connection) }
                    connection.headAwaitingBody = nil
                case .failure(let error):
                    connection.body = nil
                    connection.failedRequestLine = connection.headAwaitingBody.map { AccessLog.escape($0.requestLine.utf8) } ?? "-"
                    return stop(connection, error, offset)
                }
                continue
            }
            switch connection.parser.parse(rest) {
            case .needMoreData:
                return offset
            case .failure(let error):
                if context.accessLog != nil { connection.failedRequestLine = AccessLog.quotedRequestLine(rest) }
                return stop(connection, error, offset)
            case .complete(let head, let headLength):
                offset += headLength
                if head.framing == .none {
                    accept(head, connection)
                } else if head.expectsContinue && offset == bytes.count {
                    // RFC 9110 §10.1.1: answer with the final status instead of 100 Continue;
                    // the unread body means the connection must close afterwards.
                    accept(head, connection)
                    connection.closeAfterResponses = true
                } else {
                    connection.body = BodyDecoder(framing: head.framing, maxBodyBytes: context.configuration.maxBodyBytes)
                    connection.headAwaitingBody = head
                }
            }
        }
        return offset
    }

    private func accept(_ head: RequestHead, _ connection: Connection) {
        connection.requests.append(head)
        if !head.keepAlive { connection.closeAfterResponses = true }
    }

    private func stop(_ connection: Connection, _ error: HTTPError, _ offset: Int) -> Int {
        connection.terminalError = error
        connection.closeAfterResponses = true
        return offset
    }

    /// Gives the connection, with its complete requests in order, to a worker.
    private func handOff(_ connection: Connection) {
        connection.state = .inWorker
        disarmTimer(connection)
        connection.handedOffAt = Deadline.now.nanoseconds
        do {
            guard let pool, let job = connection.job else { throw ThreadPoolError.shutDown }
            try pool.execute(job)
        } catch {
            close(connection)  // the pool only refuses once it is shut down, after the reactor
        }
    }

    /// Answers a request the reactor refused itself (no worker needed), then closes.
    func respondWithError(_ connection: Connection, _ error: HTTPError) {
        connection.output.removeAll(keepingCapacity: true)
        connection.outputSent = 0
        connection.closeAfterResponses = true
        let response = PreparedResponse(error: error)
        response.encodeHead(into: &connection.output, dateLine: context.dates.line(), connection: .close, lines: context.connectionLines)
        connection.output.append(contentsOf: response.body)
        context.recordResponse(
            peerHost: connection.peerHost, requestLine: requestLine(refusedWith: error, connection), status: response.status.code,
            bodyBytes: response.body.count)
        connection.state = .writing
        arm(.request, connection)
        flush(connection)
    }

    /// What the access log shows as the request line of a request refused with `error`.
    private func requestLine(refusedWith error: HTTPError, _ connection: Connection) -> AccessLog.RequestLine {
        switch error {
        case .headerTimeout:
            // A local reference for the span (the property's storage may not be borrowed).
            let buffered = connection.buffer
            return .escaped(AccessLog.quotedRequestLine(buffered.span))
        case .bodyTimeout:
            return connection.headAwaitingBody.map { .head($0) } ?? .escaped("-")
        default:
            return .escaped(connection.failedRequestLine)
        }
    }
}
