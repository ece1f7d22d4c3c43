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
    static func make(for connection: Connection, context: ServerContext, handBackQueue: HandBackQueue) -> ThreadPool.Job {
        { [unowned connection] in
            let started = Instant.now
            context.stats.queueWait.observe(from: connection.handedOffAt, to: started)
            run(connection, context: context)
            context.stats.workerTime.observe(from: started, to: .now)
            handBackQueue.handBack(connection)
        }
    }

    static func run(_ connection: Connection, context: ServerContext) {
        // Encode into a borrowed buffer; it stays with the connection only if the socket
        // cannot take everything now (the reactor then finishes and drops it).
        connection.output = context.outputBuffers.borrow()
        connection.outputSent = 0
        var date = context.dates.line()
        let lastIndex = connection.events.count - 1
        answering: for index in connection.events.indices {
            switch connection.events[index] {
            case .request(let head), .requestBeforeItsBody(let head):
                let decision = context.router.route(head)
                if decision.delay > .zero {
                    Sleep.for(decision.delay)
                    date = context.dates.line()  // the answer is dated when it is sent, after the wait
                }
                let isLast = index == lastIndex
                // Checked after the sleep: a shutdown during a /sleep makes its answer say close.
                if decision.closesConnection || (isLast && context.isShuttingDown) { connection.stream.end() }
                let closes = decision.closesConnection || (isLast && connection.stream.position == .ended)
                let directive = ConnectionDirective.forResponse(to: head, serverKeepsOpen: !closes)
                decision.response.encodeHead(into: &connection.output, dateLine: date, connection: directive, lines: context.connectionLines)
                if !decision.omitBody { connection.output.append(contentsOf: decision.response.body) }
                answered(connection, context, event: index, status: decision.response.status.code, bodyBytes: decision.bodyBytes)
                // A route that closes the connection is the last answer, whatever follows it; a
                // file's bytes follow its head from the file, and the rest waits for the next job.
                connection.eventsAnswered = closes ? connection.events.count : index + 1
                if let file = decision.file { connection.file = file }
                if closes || connection.file != nil { break answering }
            case .refusal(let error, _):
                let response = PreparedResponse(error: error)
                response.encodeHead(into: &connection.output, dateLine: date, connection: .close, lines: context.connectionLines)
                connection.output.append(contentsOf: response.body)
                answered(connection, context, event: index, status: response.status.code, bodyBytes: response.body.count)
                connection.eventsAnswered = index + 1
            }
        }
        logAnswers(connection, context)
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

    /// Counts a response as it is encoded, and keeps what its access log line needs.
    private static func answered(_ connection: Connection, _ context: ServerContext, event: Int, status: Int, bodyBytes: Int) {
        context.stats.recordResponse(status: status, bodyBytes: bodyBytes)
        if context.accessLog != nil { connection.answers.append(Answer(event: event, status: status, bodyBytes: bodyBytes)) }
    }

    /// Records the job's access log lines as its bytes are committed to the socket, after every
    /// `/sleep` of the batch: an earlier response of the batch goes out only then, so a line
    /// numbered at encoding could come before lines of responses other workers sent meanwhile.
    private static func logAnswers(_ connection: Connection, _ context: ServerContext) {
        guard let accessLog = context.accessLog else { return }
        for answer in connection.answers {
            accessLog.record(
                host: connection.peerHost,
                requestLine: .answering(connection.events[answer.event]),
                status: answer.status, bodyBytes: answer.bodyBytes)
        }
        connection.answers.removeAll(keepingCapacity: true)
    }

    /// A response of the current job, for its access log line: `event` indexes the
    /// connection's events.
    struct Answer {
        var event: Int
        var status: Int
        var bodyBytes: Int
    }
}
