import Glibc
import HTTP1
import LinuxIO

/// Hand-back from workers, finishing writes, and closing, on the reactor.
extension Reactor {
    /// Takes every connection workers have handed back since the last look.
    func takeHandedBack() {
        handBackQueue.takeAll(swappingWith: &handedBack)
        for connection in handedBack { handBackCompleted(connection) }
        handedBack.removeAll(keepingCapacity: true)
    }

    private func handBackCompleted(_ connection: Connection) {
        connection.requests.removeAll(keepingCapacity: true)
        connection.terminalError = nil
        if connection.writeFailed {
            close(connection)
        } else if connection.hasUnsentOutput {
            // The socket was full: the reactor finishes on EPOLLOUT, without a worker.
            connection.state = .writing
            arm(.request, connection)
            if connection.writableWhileAway { flush(connection) }
        } else {
            responsesWritten(connection)
        }
    }

    /// Writes what is left of the responses; re-arms the write deadline on progress.
    func flush(_ connection: Connection) {
        connection.writableWhileAway = false
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

    /// Every response is out: close, or go back to reading (pipelined bytes first).
    private func responsesWritten(_ connection: Connection) {
        // Only a response the socket could not take at once leaves a buffer here; drop it, so
        // an idle connection holds none (workers borrow theirs from `OutputBuffers`).
        connection.output = []
        connection.outputSent = 0
        if connection.closeAfterResponses || stopping || connection.peerClosed {
            closeGracefully(connection)
            return
        }
        connection.state = .reading
        if !connection.buffer.isEmpty {
            processBuffered(connection)
            afterParsing(connection, startedRequest: true, bodyProgress: connection.body != nil)
        }
        guard connection.state == .reading else { return }
        if connection.readableWhileAway || connection.mayHaveUnreadData {
            readAndParse(connection)
        }
        guard connection.state == .reading, !connection.hasPartialRequest else { return }
        connection.phase = .idle
        if connection.buffer.capacity > 16 * 1024 { connection.buffer = [] }
        arm(.idle, connection)
    }

    /// Closes after the last response. When the client may still be sending (an error cut its
    /// request short, or bytes are unread), our side is shut down first and its bytes are read
    /// and dropped for a moment, so that closing does not reset the connection and destroy the
    /// response in flight.
    func closeGracefully(_ connection: Connection) {
        let clientMayStillSend = !connection.peerClosed
            && (!connection.buffer.isEmpty || connection.body != nil || connection.readableWhileAway || connection.mayHaveUnreadData
                || connection.closeAfterResponses && connection.parser.hasPartialRequest)
        guard clientMayStillSend && !stopping else {
            close(connection)
            return
        }
        try? connection.socket.shutdown(.write)
        connection.state = .lingering
        connection.buffer = []
        arm(.linger, connection)
        drainLingering(connection)
    }

    /// Reads and drops a closing client's bytes until it closes (or would block).
    func drainLingering(_ connection: Connection) {
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
    func close(_ connection: Connection) {
        guard connection.state != .closed else { return }
        connection.state = .closed
        disarmTimer(connection)
        table.remove(connection)
        roomForConnections()
    }
}
