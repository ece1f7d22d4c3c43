import Glibc
import LinuxIO

/// Accepting connections on the reactor, and pausing when the limit or the descriptors run out.
extension Reactor {
    /// Connections accepted per listener event before other events get their turn.
    static let acceptBatch = 128
    /// How long accepting pauses after EMFILE, ENFILE, ENOBUFS or ENOMEM.
    static let exhaustionPause = Duration.milliseconds(100)

    /// Accepts what the backlog holds, up to `atMost` (a batch, or all at shutdown), the
    /// connection limit, or a lack of descriptors.
    mutating func acceptConnections(atMost: Int = acceptBatch) {
        guard let listener else { return }
        for _ in 0..<atMost {
            if table.count >= context.configuration.maxConnections {
                if listenerWatched { context.stats.acceptPausesAtLimit.add() }
                watchListener(false)  // the rest wait in the backlog until a connection closes
                return
            }
            do {
                var peer: SocketAddress?
                guard let socket = try listener.socket.accept(nonBlocking: true, peer: &peer) else {
                    endExhaustionEpisode()
                    return
                }
                context.stats.accepted.add()
                register(socket, peer: peer)
            } catch {
                switch error.code {
                case ECONNABORTED, EPROTO, EPERM:
                    continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    if acceptPauses == 0 { context.logger.warning("accept paused: \(error); retrying every 100 ms") }
                    acceptPauses += 1
                    context.stats.acceptPausesOutOfDescriptors.add()
                    watchListener(false)
                    resumeAcceptingAt = .after(Self.exhaustionPause)
                    return
                default:
                    context.logger.error("accept failed: \(error)")
                    return
                }
            }
        }
    }

    /// The backlog is empty again: an exhaustion episode (if any) is over; say so once.
    private mutating func endExhaustionEpisode() {
        guard acceptPauses > 0 else { return }
        context.logger.notice("accept resumed after \(acceptPauses) pause(s) for lack of descriptors or memory")
        acceptPauses = 0
    }

    private mutating func register(_ socket: consuming Socket, peer: SocketAddress?) {
        let (slot, generation) = table.reserveSlot()
        // No exchange until the first read: a burst of connections that have sent nothing yet
        // holds none (readAndParse takes one).
        let connection = Connection(socket: socket, peer: peer, slot: slot, generation: generation, exchange: nil)
        gauges.move(from: nil, to: connection.category)
        connection.job = ResponseJob.make(for: connection, context: context, handBackQueue: handBackQueue)
        table.insert(connection)
        do {
            try epoll.add(connection.socket.rawValue, events: [.readable, .writable, .readHangUp, .edgeTriggered], token: connection.token)
        } catch {
            context.logger.error("cannot watch a new connection: \(error)")
            close(connection)
            return
        }
        // For a new connection the head deadline runs from acceptance (Docs/HTTP.md, Deadlines).
        arm(.request, connection)
    }

    /// Starts or stops watching the listener (at the connection limit, or after EMFILE).
    mutating func watchListener(_ watch: Bool) {
        guard let listener, watch != listenerWatched else { return }
        do {
            if watch {
                try epoll.add(listener.socket.rawValue, events: .readable, token: Self.listenerToken)
            } else {
                try epoll.remove(listener.socket.rawValue)
            }
            listenerWatched = watch
        } catch {
            context.logger.error("cannot change the listener's registration: \(error)")
        }
    }

    /// After a connection closed: accept again if the limit had stopped us.
    mutating func roomForConnections() {
        if !listenerWatched && resumeAcceptingAt == nil && !stopping && table.count < context.configuration.maxConnections {
            watchListener(true)
        }
    }
}
