import HTTP1
import LinuxIO
import ThreadPool

/// A connection's transitions, each in one place (Docs/DESIGN-NOTES.md, The connection):
///
///     reading(unused) ──bytes──▶ reading(head/body) ──requests──▶ inWorker ──hand back──▶
///         (writing, if the socket was full ──▶) reading(idle/head/body) ──▶ …
///     a refusal the reactor answers itself: reading ──▶ writing
///     the last response out (`closesAfterResponses`): ──▶ lingering ──▶ closed, or closed
///
/// Every change of `Connection.state` is made here, through `Connection.enter` (the first,
/// `reading(unused)`, is its initial value); `closesAfterResponses` is the one decision whether a
/// connection closes.
extension Reactor {
    // MARK: Reading

    /// Reads what the socket holds (edge-triggered: until it would block, or a short read
    /// shows it is empty) and gives it to the request stream; hands off what it completes.
    mutating func readAndParse(_ connection: Connection) {
        connection.unparkExchange(from: &spareExchanges)
        connection.pending.readable = false
        connection.pending.mayHaveUnreadData = false
        readAvailable(connection)
        // Half-closed with nothing complete to answer: nobody is left to answer.
        if connection.peerClosed && connection.isReading { close(connection) }
        // Nothing came (a spurious event, or a new connection's bytes are still on their way).
        if connection.state == .reading(.idle) || connection.state == .reading(.unused) {
            connection.parkExchange(in: &spareExchanges)
        }
    }

    private mutating func readAvailable(_ connection: Connection) {
        while connection.isReading {
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
                received(connection, count)
                if !connection.isReading {
                    connection.pending.mayHaveUnreadData = !drained
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

    /// `count` new bytes in `scratch`: answers what they complete, else arms the deadline the
    /// stream's position calls for.
    private mutating func received(_ connection: Connection, _ count: Int) {
        guard case .reading(let phase) = connection.state else { return }
        connection.stream.receive(scratch.span.extracting(0..<count), into: &connection.events)
        let position = connection.stream.position
        let eventCount = connection.events.count
        if eventCount > 0 {
            // A refusal ends the stream: only then can the one event be one (checked first, so a
            // request is never copied out of the list to look at it).
            if position == .ended && eventCount == 1, case .refusal(let error, let request) = connection.events[0] {
                connection.events.removeAll(keepingCapacity: true)
                answerRefusal(connection, error, request)
            } else {
                handOff(connection)
            }
            return
        }
        switch (position, phase) {
        case (.inBody, _):
            // Each read of a body must come within --header-timeout of the last one.
            connection.enter(.reading(.body), counting: &gauges)
            arm(.request, connection)
        case (.inHead, .unused):
            // The first bytes: the head deadline keeps running from acceptance, and now ends in 408.
            connection.enter(.reading(.head), counting: &gauges)
        case (.inHead, .idle), (.inHead, .body):
            // The head deadline runs from the first byte of the request; later bytes don't move it.
            connection.enter(.reading(.head), counting: &gauges)
            arm(.request, connection)
        case (.inHead, .head), (.betweenRequests, _), (.ended, _):
            break
        }
    }

    // MARK: To a worker and back

    /// Gives the connection, with its events in order, to a worker.
    private mutating func handOff(_ connection: Connection) {
        connection.enter(.inWorker, counting: &gauges)
        disarmTimer(connection)
        connection.handedOffAt = .now
        do {
            guard let pool, let job = connection.job else { throw ThreadPoolError.shutDown }
            // One wake-up for all the jobs of a loop iteration: `wakeWorkers()` ends each.
            try pool.execute(job, wakesWorker: false)
            handedOffSinceWake = true
        } catch {
            // The pool only refuses once it is shut down, after the reactor; no worker has it.
            connection.enter(.writing, counting: &gauges)
            close(connection)
        }
    }

    /// Wakes a worker for the jobs handed off since the last call, if none is on its way: once
    /// per loop iteration, so that a batch of requests costs one wake-up, not one each.
    mutating func wakeWorkers() {
        guard handedOffSinceWake, let pool else { return }
        handedOffSinceWake = false
        pool.wakeWorker()
    }

    /// Takes every connection workers have handed back since the last look.
    mutating func takeHandedBack() {
        handBackQueue.takeAll(swappingWith: &handedBack)
        for connection in handedBack { handedBackByWorker(connection) }
        handedBack.removeAll(keepingCapacity: true)
    }

    private mutating func handedBackByWorker(_ connection: Connection) {
        precondition(connection.state == .inWorker, "only a connection a worker holds is handed back")
        // What the job answered; the rest (after a file's answer) goes to the next job.
        if connection.eventsAnswered >= connection.events.count {
            connection.events.removeAll(keepingCapacity: true)
        } else {
            connection.events.removeFirst(connection.eventsAnswered)
        }
        connection.eventsAnswered = 0
        // The reactor owns it again, and writes what the worker could not.
        connection.enter(.writing, counting: &gauges)
        if connection.writeFailed {
            close(connection)
        } else if connection.hasUnsentOutput {
            // The socket was full: the reactor finishes on EPOLLOUT, without a worker.
            arm(.request, connection)
            if connection.pending.writable { flush(connection) }
        } else {
            responsesWritten(connection)
        }
    }

    // MARK: Writing

    /// Answers a refusal the reactor made itself (no worker needed), then closes.
    private mutating func answerRefusal(_ connection: Connection, _ error: HTTPError, _ request: RequestStream.RefusedRequest) {
        connection.output.removeAll(keepingCapacity: true)
        connection.outputSent = 0
        let response = PreparedResponse(error: error)
        response.encodeHead(into: &connection.output, dateLine: context.dates.line(), connection: .close, lines: context.connectionLines)
        connection.output.append(contentsOf: response.body)
        context.recordResponse(
            peerHost: connection.peerHost, requestLine: .refused(request), status: response.status.code,
            bodyBytes: response.body.count)
        connection.enter(.writing, counting: &gauges)
        arm(.request, connection)
        flush(connection)
    }

    /// The client took too long (its deadline, `--header-timeout`, passed while reading): 408
    /// for the request in progress.
    mutating func clientTimedOut(_ connection: Connection) {
        // A parked connection is between requests: nothing to refuse, and nothing to expire.
        if !connection.isParked, case .refusal(let error, let request)? = connection.stream.expire() {
            answerRefusal(connection, error, request)
        } else {
            close(connection)
        }
    }

    /// Writes what is left of the responses; re-arms the write deadline on progress.
    mutating func flush(_ connection: Connection) {
        connection.pending.writable = false
        switch connection.sendOutput() {
        case .done:
            responsesWritten(connection)
        case .blocked(let progressed):
            // Wait for the next EPOLLOUT edge; only progress moves the deadline.
            if progressed { arm(.request, connection) }
        case .failed:
            close(connection)
        }
    }

    /// Every response is out: close, or go back to reading.
    private mutating func responsesWritten(_ connection: Connection) {
        // Only a response the socket could not take at once leaves a buffer here; drop it, so
        // an idle connection holds none (workers borrow theirs from `OutputBuffers`).
        connection.output = []
        connection.outputSent = 0
        // Requests a job left for after a file: answered before anything else is decided.
        if !connection.events.isEmpty {
            handOff(connection)
            return
        }
        if closesAfterResponses(connection) {
            closeGracefully(connection)
        } else {
            resumeReading(connection)
        }
    }

    /// Whether the connection closes once its responses are written: the stream has ended (a
    /// request without keep-alive, a refusal, a route or shutdown that ends it), the client has
    /// shut down its side, or the server is stopping and its grace is over. A response a worker
    /// finished just before the shutdown began promised keep-alive: closing under it would cut
    /// off the request its client sends next, so during the grace it goes back to reading, and
    /// that request is answered with `Connection: close`.
    func closesAfterResponses(_ connection: Connection) -> Bool {
        connection.stream.position == .ended || connection.peerClosed || (stopping && graceDeadline == nil)
    }

    /// Back to reading after the responses: the deadline follows the stream's position (a head
    /// or body begun behind the answered requests is due within --header-timeout of now), and
    /// readiness epoll reported meanwhile is acted on first.
    private mutating func resumeReading(_ connection: Connection) {
        switch connection.stream.position {
        case .inHead:
            connection.enter(.reading(.head), counting: &gauges)
            arm(.request, connection)
        case .inBody:
            connection.enter(.reading(.body), counting: &gauges)
            arm(.request, connection)
        case .betweenRequests, .ended:
            connection.enter(.reading(.idle), counting: &gauges)
        }
        let pending = connection.pending
        if pending.readable || pending.mayHaveUnreadData {
            readAndParse(connection)
        }
        // Still idle after that read: wait for the next request, holding no exchange.
        if connection.state == .reading(.idle) {
            arm(.idle, connection)
            connection.parkExchange(in: &spareExchanges)
        }
    }

    // MARK: Closing

    /// Closes after the last response. When the client may still be sending (an error cut its
    /// request short, or bytes are unread), our side is shut down first and its bytes are read
    /// and dropped for a moment, so that closing does not reset the connection and destroy the
    /// response in flight.
    mutating func closeGracefully(_ connection: Connection) {
        let clientMayStillSend = !connection.peerClosed
            && (connection.stream.hasUnansweredBytes || connection.pending.readable || connection.pending.mayHaveUnreadData)
        guard clientMayStillSend && !stopping else {
            close(connection)
            return
        }
        try? connection.socket.shutdown(.write)
        connection.enter(.lingering, counting: &gauges)
        connection.stream.end()  // drops what it buffered
        arm(.linger, connection)
        drainLingering(connection)
    }

    /// Reads and drops a closing client's bytes until it closes (or would block).
    mutating func drainLingering(_ connection: Connection) {
        while true {
            let result = scratch.withUnsafeMutableBytes { bytes in
                Result { () throws(Errno) in try connection.socket.read(into: bytes) }
            }
            switch result {
            case .success(.bytes): continue
            case .success(.wouldBlock): return
            case .success(.endOfFile), .failure:
                close(connection)
                return
            }
        }
    }

    /// Forgets the connection; its socket closes (and leaves epoll) when the last reference goes.
    mutating func close(_ connection: Connection) {
        // A worker's job holds the connection `unowned`: the table's reference must outlive it.
        precondition(connection.state != .inWorker, "a connection is closed only while the reactor owns it")
        guard connection.state != .closed else { return }
        connection.enter(.closed, counting: &gauges)
        // An idle one's exchange goes back for the next connection rather than to free().
        connection.parkExchange(in: &spareExchanges)
        disarmTimer(connection)
        table.remove(connection)
        roomForConnections()
    }
}
