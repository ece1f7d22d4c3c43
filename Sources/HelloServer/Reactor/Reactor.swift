import Glibc
import HTTP1
import LinuxIO
import ThreadPool

/// The epoll event loop of `--mode epoll`: one thread accepts connections, reads and parses
/// requests, and hands complete requests to the worker pool; workers write the responses and
/// hand the connection back.
///
/// Invariant: every method runs on the reactor thread, and none blocks or throws out of the
/// loop: sockets are non-blocking and registered once, edge-triggered, for reading and
/// writing; the only wait is `epoll_wait`, whose timeout is the nearest deadline.
final class Reactor {
    static let listenerToken = UInt64.max
    static let wakeToken = UInt64.max - 1
    static let shutdownToken = UInt64.max - 2
    /// Connections accepted per listener event before other events get their turn.
    static let acceptBatch = 128
    /// How long accepting pauses after EMFILE, ENFILE, ENOBUFS or ENOMEM.
    static let exhaustionPause: UInt64 = 100_000_000

    let context: ServerContext
    /// The workers; set by `run(with:)`.
    var pool: ThreadPool?
    let handBackQueue: HandBackQueue
    let epoll: Epoll
    var listener: Listener?
    var table = ConnectionTable()
    var timers: Timers
    /// Reused by `expireTimers`, so a loop iteration allocates nothing for its timers.
    var expired: [Timers.Due] = []
    var scratch = [UInt8](repeating: 0, count: 64 * 1024)
    var events = EpollEventBuffer(capacity: 256)
    var handedBack: [Connection] = []
    var listenerWatched = false
    var resumeAcceptingAt: UInt64?
    /// Pauses in the current exhaustion episode (0: none), so it is logged once, not per attempt.
    var acceptPauses = 0
    var stopping = false
    let gauges = ConnectionGauges()

    init(context: ServerContext, listener: consuming Socket) throws(Errno) {
        self.context = context
        handBackQueue = try HandBackQueue()
        epoll = try Epoll()
        self.listener = Listener(listener)
        let configuration = context.configuration
        timers = Timers(
            requestSeconds: configuration.headerTimeout, idleSeconds: configuration.keepAliveTimeout,
            lingerSeconds: min(LingeringClose.maxSeconds, configuration.headerTimeout))
        try epoll.add(handBackQueue.wakeEvent.rawValue, events: .readable, token: Self.wakeToken)
        try epoll.add(context.shutdownEvent.rawValue, events: .readable, token: Self.shutdownToken)
        watchListener(true)
    }

    /// Serves, handing requests to `pool`, until shutdown has begun and every connection is closed.
    func run(with pool: ThreadPool) {
        self.pool = pool
        while !(stopping && table.count == 0) {
            if context.isShuttingDown && !stopping { beginStopping() }
            let count = epoll.wait(into: &events, timeoutMilliseconds: timeoutMilliseconds())
            for index in 0..<count {
                let (token, ready) = events[index]
                dispatch(token, ready)
            }
            takeHandedBack()
            expireTimers()
            publishStats(events: count)
        }
    }

    /// Copies the reactor's own numbers into the shared stats: a few relaxed stores per loop
    /// iteration, nothing per request.
    private func publishStats(events count: Int) {
        let stats = context.stats
        stats.loopIterations.add()
        stats.events.add(count)
        for index in gauges.counts.indices { stats.connections[index].set(gauges.counts[index]) }
    }

    private func dispatch(_ token: UInt64, _ ready: EpollEvents) {
        switch token {
        case Self.listenerToken:
            acceptConnections()
        case Self.wakeToken:
            handBackQueue.wakeEvent.drain()
        case Self.shutdownToken:
            if !stopping { beginStopping() }
        default:
            guard let connection = table.connection(forToken: token) else { return }  // stale
            handle(connection, ready)
        }
    }

    private func handle(_ connection: Connection, _ ready: EpollEvents) {
        // The client will send nothing more: answer what it completed, then close.
        if !ready.isDisjoint(with: [.readHangUp, .hangUp]) { connection.peerClosed = true }
        let readable = !ready.isDisjoint(with: [.readable, .readHangUp, .hangUp, .error])
        let writable = !ready.isDisjoint(with: [.writable, .hangUp, .error])
        switch connection.state {
        case .reading:
            if readable { readAndParse(connection) }
        case .inWorker:
            if readable { connection.readableWhileAway = true }
            if writable { connection.writableWhileAway = true }
        case .writing:
            if readable { connection.readableWhileAway = true }
            if writable { flush(connection) }
        case .lingering:
            if readable { drainLingering(connection) }
        case .closed:
            break
        }
    }

    // MARK: Accepting

    private func acceptConnections() {
        guard let listener else { return }
        for _ in 0..<Self.acceptBatch {
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
                    resumeAcceptingAt = Deadline.now.nanoseconds + Self.exhaustionPause
                    return
                default:
                    context.logger.error("accept failed: \(error)")
                    return
                }
            }
        }
    }

    /// The backlog is empty again: an exhaustion episode (if any) is over; say so once.
    private func endExhaustionEpisode() {
        guard acceptPauses > 0 else { return }
        context.logger.notice("accept resumed after \(acceptPauses) pause(s) for lack of descriptors or memory")
        acceptPauses = 0
    }

    private func register(_ socket: consuming Socket, peer: SocketAddress?) {
        try? socket.setNoDelay()
        let limits = context.configuration.parserLimits
        let (slot, generation) = table.reserveSlot()
        let connection = Connection(socket: socket, peer: peer, slot: slot, generation: generation, limits: limits, gauges: gauges)
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
        connection.phase = .unused
        arm(.request, connection)
    }

    /// Starts or stops watching the listener (at the connection limit, or after EMFILE).
    func watchListener(_ watch: Bool) {
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
    func roomForConnections() {
        if !listenerWatched && resumeAcceptingAt == nil && !stopping && table.count < context.configuration.maxConnections {
            watchListener(true)
        }
    }

    // MARK: Shutdown

    /// Stops accepting, closes every connection that holds no complete request; the others
    /// finish (their last response says `Connection: close`) and close when written.
    private func beginStopping() {
        stopping = true
        watchListener(false)
        listener = nil
        for connection in table.all where connection.state == .reading || connection.state == .lingering {
            close(connection)
        }
    }

    // MARK: Timers

    /// How long epoll_wait may sleep: until the nearest deadline (-1: none). Computed without
    /// building an array, since it runs on every loop iteration.
    private func timeoutMilliseconds() -> Int32 {
        let nearest = min(timers.next ?? .max, resumeAcceptingAt ?? .max)
        return nearest == .max ? -1 : Deadline(nanoseconds: nearest).remainingMilliseconds
    }

    /// Arms the connection's one timer (see `Timers`), from now.
    func arm(_ kind: Timers.Kind, _ connection: Connection) {
        connection.timerStamp = timers.arm(kind, slot: connection.slot, now: Deadline.now.nanoseconds)
    }

    /// Stops whatever timer the connection had (its entries become stale).
    func disarmTimer(_ connection: Connection) {
        connection.timerStamp = timers.disarm()
    }

    private func expireTimers() {
        let now = Deadline.now.nanoseconds
        // Collected first and acted on after: acting may arm new timers in the same queues.
        var due = expired
        expired = []
        timers.expire(now: now, into: &due)
        for (slot, stamp, kind) in due {
            guard let connection = live(slot, stamp) else { continue }
            switch (kind, connection.state) {
            case (.request, .reading) where connection.phase == .unused:
                context.stats.unusedTimeouts.add()
                close(connection)  // not a byte since acceptance: no 408, no access log line
            case (.request, .reading):
                context.stats.headTimeouts.add()
                respondWithError(connection, connection.phase == .body ? .bodyTimeout : .headerTimeout)
            case (.request, .writing):
                context.stats.writeTimeouts.add()
                close(connection)  // no write progress for --header-timeout: abandoned
            case (.idle, .reading):
                context.stats.idleTimeouts.add()
                close(connection)
            case (.linger, _):
                close(connection)
            default:
                break
            }
        }
        due.removeAll(keepingCapacity: true)
        expired = due
        if let resume = resumeAcceptingAt, resume <= now {
            resumeAcceptingAt = nil
            roomForConnections()
        }
    }

    private func live(_ slot: Int, _ stamp: UInt64) -> Connection? {
        guard let connection = table.connection(atSlot: slot), connection.timerStamp == stamp else { return nil }
        return connection
    }
}

/// The listening socket, in a class so the reactor can drop (and so close) it at shutdown.
final class Listener {
    let socket: Socket

    init(_ socket: consuming Socket) {
        self.socket = socket
    }
}
