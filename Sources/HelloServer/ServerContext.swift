import HTTP1
import LinuxIO
import Logging
import Synchronization
import ThreadPool

/// What every connection of a server shares: its options, router, date cache, log and the
/// shutdown flag.
///
/// Invariant: `isShuttingDown` only ever goes from false to true, and when it does, the
/// `shutdownEvent` descriptor becomes (and stays) readable, so blocking waits that poll it
/// wake up.
final class ServerContext: Sendable {
    let configuration: Configuration
    let router: Router
    let dates = DateCache()
    let logger: Logger
    let shutdownEvent: EventFD
    let stats = ServerStats()
    let outputBuffers = OutputBuffers()
    /// The `Connection` and `Keep-Alive` lines that end every response head, encoded once.
    let connectionLines: ConnectionHeaderLines
    let accessLog: AccessLog?
    private let shuttingDown = Atomic<Bool>(false)
    /// When the shutdown began (`Instant.nanoseconds`; 0 before).
    private let shutdownBeganAt = Atomic<UInt64>(0)

    /// How long after a shutdown begins a connection with no complete request is still waited
    /// for: one that has sent nothing yet (its client has just connected, and its request is a
    /// moment away), one idle between keep-alive requests (its client may be sending the next one
    /// now), or, in epoll mode, one partway through a request. Closing any at once would lose that
    /// request, which a restart must not; a request that completes in time is answered with
    /// `Connection: close`. What is still incomplete when this runs out is closed, so a silent
    /// client delays the exit by this much at most.
    static let shutdownGrace = Duration.milliseconds(250)

    /// The end of `shutdownGrace`, once a shutdown has begun.
    var graceDeadline: Instant? {
        let began = shutdownBeganAt.load(ordering: .acquiring)
        return began == 0 ? nil : Instant(nanoseconds: began).advanced(by: Self.shutdownGrace)
    }

    init(configuration: Configuration, logger: Logger, accessLog: AccessLog?, statusPages: Bool) throws(ServerError) {
        self.configuration = configuration
        connectionLines = ConnectionHeaderLines(keepAliveTimeout: configuration.keepAliveTimeout)
        self.logger = logger
        self.accessLog = accessLog
        do {
            router = try Router(
                configuration: configuration,
                status: statusPages ? StatusReport(stats: stats, configuration: configuration) : nil)
        } catch {
            throw .invalidConfiguration(error.description)
        }
        do {
            shutdownEvent = try EventFD()
        } catch {
            throw .system(error)
        }
    }

    /// Starts the threads every mode has besides its own: the access log's flusher.
    func startBackgroundThreads() {
        accessLog?.start()
    }

    /// Starts the background threads and the pool of `--workers` threads that the pool and
    /// epoll modes share.
    func startWorkerPool() throws(ServerError) -> ThreadPool {
        startBackgroundThreads()
        do {
            let pool = try ThreadPool(size: configuration.workers, logger: logger)
            stats.pool.withLock { $0 = pool }
            return pool
        } catch {
            throw .invalidConfiguration(error.description)
        }
    }

    /// Joins the pool (every queued job runs first) and writes the last access log lines.
    func stopThreads(pool: ThreadPool?) {
        pool?.shutdown()
        stats.pool.withLock { $0 = nil }
        accessLog?.stop()
    }

    /// Counts a response and records its access log line (from any thread, as it is sent).
    /// `peerHost` and `requestLine` are only evaluated when the access log is on.
    func recordResponse(
        peerHost: @autoclosure () -> String, requestLine: @autoclosure () -> AccessLog.RequestLine, status: Int, bodyBytes: Int
    ) {
        stats.recordResponse(status: status, bodyBytes: bodyBytes)
        guard let accessLog else { return }
        accessLog.record(host: peerHost(), requestLine: requestLine(), status: status, bodyBytes: bodyBytes)
    }

    var isShuttingDown: Bool { shuttingDown.load(ordering: .acquiring) }

    /// Sets the flag and wakes every waiter; returns false if shutdown had already begun.
    @discardableResult
    func beginShutdown() -> Bool {
        // The start time first, so whoever sees the flag also sees when the grace ends.
        let (exchanged, _) = shutdownBeganAt.compareExchange(expected: 0, desired: Instant.now.nanoseconds, ordering: .acquiringAndReleasing)
        if exchanged {
            shuttingDown.store(true, ordering: .releasing)
            shutdownEvent.signal()
        }
        return exchanged
    }
}
