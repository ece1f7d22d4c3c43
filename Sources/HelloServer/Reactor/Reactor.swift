import Glibc
import HTTP1
import LinuxIO
import ThreadPool

/// The epoll event loop of `--mode epoll`: one thread accepts connections, reads and parses
/// requests, and hands complete requests to the worker pool; workers write the responses and
/// hand the connection back.
///
/// Its parts, each in a file of its own: the loop and dispatch (here), accepting
/// (Reactor+Accepting), the connection's transitions (Reactor+Lifecycle), deadlines
/// (Reactor+Timers) and telemetry (Reactor+Telemetry).
///
/// Invariant: every method runs on the reactor thread, and none blocks or throws out of the
/// loop: sockets are non-blocking and registered once; the only wait is `epoll_wait`, whose
/// timeout is the nearest deadline (0 when workers have handed connections back meanwhile).
///
/// The readiness contract, relied on everywhere: registrations are edge-triggered, so an
/// event means "something changed", not "this much is there". Whoever handles readiness
/// reads (or writes) until the call would block, or remembers in `Connection.pending` that it
/// has not; no event for that edge will come again. Events may be spurious (a read that would
/// block at once) or stale (for a connection since closed: its token's generation no longer
/// matches), and both are ignored.
///
/// A noncopyable struct rather than a class: it has one owner (the thread in `run`), and its
/// methods reach its state through `inout self`, whose exclusivity Swift proves at compile
/// time; a class's stored `var`s are checked at run time on every access instead.
struct Reactor: ~Copyable {
    static let listenerToken = UInt64.max
    static let wakeToken = UInt64.max - 1
    static let shutdownToken = UInt64.max - 2

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
    /// Jobs were queued without waking a worker; `wakeWorkers()` ends the loop iteration.
    var handedOffSinceWake = false
    var listenerWatched = false
    var resumeAcceptingAt: Instant?
    /// During a shutdown, until when connections still reading are kept
    /// (`ServerContext.shutdownGrace`); nil before the shutdown and after the grace.
    var graceDeadline: Instant?
    /// Pauses in the current exhaustion episode (0: none), so it is logged once, not per attempt.
    var acceptPauses = 0
    var stopping = false
    var gauges = ConnectionGauges()
    /// Exchanges parked by idle connections. Up to 1,024 are kept (a renewed exchange is about
    /// 400 bytes, and 2 KiB at most with room for 16 events: 2 MiB in all at worst), so that up
    /// to that many connections can go idle and come back without an allocation, while 10,000
    /// idle connections hold none beyond those.
    var spareExchanges: SpareExchanges

    init(context: ServerContext, listener: consuming Socket, origin: ListenerOrigin) throws(Errno) {
        // Everything that can fail comes first, so a failure leaves nothing half registered.
        let handBackQueue = try HandBackQueue()
        let epoll = try Epoll()
        try epoll.add(handBackQueue.wakeEvent.rawValue, events: .readable, token: Self.wakeToken)
        try epoll.add(context.shutdownEvent.rawValue, events: .readable, token: Self.shutdownToken)
        self.context = context
        self.handBackQueue = handBackQueue
        self.epoll = epoll
        self.listener = Listener(listener, origin: origin)
        let configuration = context.configuration
        spareExchanges = SpareExchanges(limit: 1024, limits: configuration.parserLimits)
        let headerTimeout = Duration.seconds(configuration.headerTimeout)
        timers = Timers(
            request: headerTimeout, idle: .seconds(configuration.keepAliveTimeout), linger: min(LingeringClose.maxLinger, headerTimeout))
        watchListener(true)
    }

    /// Serves, handing requests to `pool`, until shutdown has begun and every connection is closed.
    mutating func run(with pool: ThreadPool) {
        self.pool = pool
        while !(stopping && table.count == 0) {
            if context.isShuttingDown && !stopping { beginStopping() }
            // Connections handed back meanwhile are taken at once, without a sleep.
            let timeout = handBackQueue.mayWait() ? timeoutMilliseconds() : 0
            let count = epoll.wait(into: &events, timeoutMilliseconds: timeout)
            for index in 0..<count {
                let (token, ready) = events[index]
                dispatch(token, ready)
            }
            takeHandedBack()
            expireTimers()
            wakeWorkers()
            publishStats(events: count)
        }
    }

    private mutating func dispatch(_ token: UInt64, _ ready: EpollEvents) {
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

    private mutating func handle(_ connection: Connection, _ ready: EpollEvents) {
        // The client will send nothing more: answer what it completed, then close.
        if !ready.isDisjoint(with: [.readHangUp, .hangUp]) { connection.peerClosed = true }
        let readable = !ready.isDisjoint(with: [.readable, .readHangUp, .hangUp, .error])
        let writable = !ready.isDisjoint(with: [.writable, .hangUp, .error])
        switch connection.state {
        case .reading:
            if readable { readAndParse(connection) }
        case .inWorker:
            if readable { connection.pending.readable = true }
            if writable { connection.pending.writable = true }
        case .writing:
            if readable { connection.pending.readable = true }
            if writable { flush(connection) }
        case .lingering:
            if readable { drainLingering(connection) }
        case .closed:
            break
        }
    }

    // MARK: Shutdown

    /// Stops accepting; connections with complete requests finish (their last response says
    /// `Connection: close`) and close when written, and the others close when the grace ends.
    ///
    /// What the kernel already holds counts as sent: a listener of our own is drained first
    /// (closing it would reset every connection still in its backlog, unless
    /// net.ipv4.tcp_migrate_req hands them to another --reuse-port listener), and every reading
    /// connection is read once, so a request that arrived in this very loop iteration, or with
    /// a connection just accepted, is answered rather than cut off.
    ///
    /// A connection still reading (sent nothing yet, idle between requests, or a request begun)
    /// is kept for the shutdown grace: its client's request may be on its way.
    private mutating func beginStopping() {
        stopping = true
        if listener?.origin == .bound { acceptConnections(atMost: Int.max) }
        watchListener(false)
        listener = nil
        for connection in table.all where connection.isReading {
            readAndParse(connection)
        }
        graceDeadline = context.graceDeadline ?? .after(ServerContext.shutdownGrace)
        closeWithoutRequests(keepingReaders: true)
    }

    /// At shutdown: closes every connection that holds no complete request (but, with
    /// `keepingReaders`, those still reading, for the grace).
    mutating func closeWithoutRequests(keepingReaders: Bool) {
        for connection in table.all where connection.isReading || connection.state == .lingering {
            if keepingReaders && connection.isReading { continue }
            close(connection)
        }
    }
}

/// The listening socket, in a class so the reactor can drop (and so close) it at shutdown.
final class Listener {
    let socket: Socket
    let origin: ListenerOrigin

    init(_ socket: consuming Socket, origin: ListenerOrigin) {
        self.socket = socket
        self.origin = origin
    }
}
