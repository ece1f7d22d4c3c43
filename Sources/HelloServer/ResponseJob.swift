import HTTP1
import LinuxIO
import ThreadPool

/// What a worker does with a connection the reactor handed it: answer its requests in order
/// and write the responses with as few calls as possible.
///
/// Invariant: the worker never waits for the client: the socket is non-blocking, and what
/// does not fit is left in `output` for the reactor to finish; otherwise the connection keeps
/// no output buffer between requests. The last response says
/// `Connection: close` exactly when the connection will close after it.
enum ResponseJob {
    /// The job a connection is handed to the pool with, made once per connection so that a
    /// request costs no allocation for it. It holds the connection `unowned`: the reactor's
    /// table keeps a connection alive for as long as a worker has it, and a strong reference
    /// would be a cycle (connection → job → connection).
    static func make(for connection: Connection, context: ServerContext, completions: Completions) -> ThreadPool.Job {
        { [unowned connection] in
            let started = Deadline.now.nanoseconds
            context.stats.queueWait.observe(nanoseconds: started - connection.handedOffAt)
            run(connection, context: context)
            context.stats.workerTime.observe(nanoseconds: Deadline.now.nanoseconds - started)
            completions.handBack(connection)
        }
    }

    static func run(_ connection: Connection, context: ServerContext) {
        // Encode into a borrowed buffer; it stays with the connection only if the socket
        // cannot take everything now (the reactor then finishes and drops it).
        connection.output = context.outputBuffers.borrow()
        connection.outputSent = 0
        var date = context.dates.line()
        let count = connection.requests.count
        for (index, head) in connection.requests.enumerated() {
            let decision = context.router.route(head)
            if decision.delayMilliseconds > 0 {
                Sleep.milliseconds(decision.delayMilliseconds)
                date = context.dates.line()  // the answer is dated when it is sent, after the wait
            }
            let isLast = index == count - 1 && connection.terminalError == nil
            // Checked after the sleep: a shutdown during a /sleep makes its answer say close.
            if isLast && context.isShuttingDown { connection.closeAfterResponses = true }
            let closes = decision.closesConnection || (isLast && connection.closeAfterResponses)
            let directive = ConnectionDirective.forResponse(to: head, serverKeepsOpen: !closes)
            decision.response.encodeHead(into: &connection.output, dateLine: date, connection: directive, lines: context.connectionLines)
            if !decision.omitBody { connection.output.append(contentsOf: decision.response.body) }
            context.recordResponse(
                peerHost: connection.peerHost, escapedRequestLine: AccessLog.escape(head.requestLine), status: decision.response.status.code,
                bodyBytes: decision.omitBody ? 0 : decision.response.body.count)
            if closes {
                connection.closeAfterResponses = true
                break
            }
        }
        if let error = connection.terminalError {
            let response = PreparedResponse(error: error)
            response.encodeHead(into: &connection.output, dateLine: date, connection: .close, lines: context.connectionLines)
            connection.output.append(contentsOf: response.body)
            context.recordResponse(
                peerHost: connection.peerHost, escapedRequestLine: connection.failedRequestLine, status: response.status.code,
                bodyBytes: response.body.count)
        }
        // What does not fit now is left in `output`: the reactor finishes it on EPOLLOUT.
        switch connection.sendOutput() {
        case .done:
            var finished: [UInt8] = []
            swap(&finished, &connection.output)
            connection.outputSent = 0
            context.outputBuffers.giveBack(finished)
        case .blocked:
            break
        case .failed:
            connection.writeFailed = true
        }
    }
}
