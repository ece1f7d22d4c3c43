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
    private let shuttingDown = Atomic<Bool>(false)

    init(configuration: Configuration, logger: Logger) throws(ServerError) {
        self.configuration = configuration
        self.logger = logger
        do {
            router = try Router(configuration: configuration)
        } catch {
            throw .invalidConfiguration(error.description)
        }
        do {
            shutdownEvent = try EventFD()
        } catch {
            throw .system(error)
        }
    }

    /// The worker pool of `--workers` threads that the pool and epoll modes share.
    func makeWorkerPool() throws(ServerError) -> ThreadPool {
        do {
            return try ThreadPool(size: configuration.workers, logger: logger)
        } catch {
            throw .invalidConfiguration(error.description)
        }
    }

    var isShuttingDown: Bool { shuttingDown.load(ordering: .acquiring) }

    /// Sets the flag and wakes every waiter; returns false if shutdown had already begun.
    @discardableResult
    func beginShutdown() -> Bool {
        let (exchanged, _) = shuttingDown.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing)
        if exchanged { shutdownEvent.signal() }
        return exchanged
    }
}

/// Why a server could not start.
public enum ServerError: Error, CustomStringConvertible {
    /// bind(2) or listen(2) failed: `error: cannot listen on HOST:PORT: REASON`.
    case cannotListen(address: String, Errno)
    case cannotResolve(ResolutionError)
    case invalidConfiguration(String)
    case system(Errno)
    case notImplemented(String)

    public var description: String {
        switch self {
        case .cannotListen(let address, let errno): "cannot listen on \(address): \(errno.reason)"
        case .cannotResolve(let error): "cannot listen: \(error)"
        case .invalidConfiguration(let reason): reason
        case .system(let errno): "\(errno)"
        case .notImplemented(let what): "\(what) is not implemented yet"
        }
    }
}
