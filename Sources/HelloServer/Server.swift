import Glibc
import LinuxIO
import Logging

/// A server of one mode, listening from the moment it exists.
///
/// Invariant: `address` is bound and listening before the value is returned, so a taken port
/// fails at creation; `run()` serves until `shutdown()` has finished its graceful stop.
public protocol Server: AnyObject, Sendable {
    /// The address really bound (the real port when the configuration asked for port 0).
    var address: SocketAddress { get }
    var configuration: Configuration { get }
    /// Serves on the calling thread until a graceful shutdown completes. Worker threads are
    /// created here, not at creation, so a process may fork between the two (`--daemon`).
    /// Throws only when the system refuses the worker threads.
    func run() throws(ServerError)
    /// Begins the graceful shutdown: stop accepting, finish what was read, close the rest.
    /// Returns at once; safe from any thread, any number of times.
    func shutdown()
}

extension Server {
    /// `listening on http://HOST:PORT (mode: MODE, workers: N)`, the startup line the README's Usage promises.
    public var listeningLine: String {
        "listening on http://\(address) (mode: \(configuration.mode.rawValue), workers: \(configuration.effectiveWorkers))"
    }
}

/// Makes the server for a configuration's mode.
public enum Servers {
    /// Resolves the host, binds and listens, and builds the mode's server. No thread is
    /// started until `run()`.
    public static func make(_ configuration: Configuration, logger: Logger, accessLog: AccessLog? = nil) throws(ServerError) -> any Server {
        var configuration = configuration
        // sendfile(2) has no MSG_NOSIGNAL: a client gone mid-file must be EPIPE, never SIGPIPE,
        // in the command and in a process that runs a server in-process alike.
        Signals.ignore(SIGPIPE)
        fitOpenFileLimit(&configuration, logger: logger)
        let nonBlocking = configuration.mode == .epoll
        var origin = ListenerOrigin.bound
        let listener = try listener(for: configuration, nonBlocking: nonBlocking, origin: &origin)
        let address: SocketAddress
        do {
            address = try listener.localAddress()
            // Set once here: Linux copies TCP_NODELAY to every accepted socket, which saves a
            // setsockopt(2) per connection (LinuxIOTests: "accepted sockets inherit TCP_NODELAY").
            try listener.setNoDelay()
        } catch {
            throw .system(error)
        }
        if origin == .inherited {
            logger.info("socket activation: serving the inherited listener on \(address); --host, --port and --reuse-port do not apply")
        }
        let statusPages = configuration.status == .on || (configuration.status == .auto && address.isLoopback)
        let context = try ServerContext(configuration: configuration, logger: logger, accessLog: accessLog, statusPages: statusPages)
        switch configuration.mode {
        case .blocking:
            return BlockingServer(context: context, listener: listener, origin: origin)
        case .pool:
            return PooledServer(context: context, listener: listener, origin: origin)
        case .epoll:
            return try ReactorServer(context: context, listener: listener, origin: origin)
        }
    }

    /// Descriptors the server needs besides its client connections: standard streams,
    /// listener, epoll, eventfds, log files and a file being served. If inherited descriptors
    /// make this too few, accept(2) fails with EMFILE, which pauses accepting briefly.
    static let reservedDescriptors = 16

    /// Raises the soft RLIMIT_NOFILE to fit `--max-connections`, or lowers the limit to what
    /// the hard limit allows, with a warning.
    static func fitOpenFileLimit(_ configuration: inout Configuration, logger: Logger) {
        // With --root, a connection may hold the file it is sending as well as its socket.
        let perConnection = configuration.root == nil ? 1 : 2
        let wanted = configuration.maxConnections * perConnection + reservedDescriptors
        let limit = OpenFileLimit.raise(toAtLeast: wanted)
        if limit < wanted {
            let fitted = max(1, (limit - reservedDescriptors) / perConnection)
            logger.warning("open-file limit is \(limit): --max-connections lowered from \(configuration.maxConnections) to \(fitted)")
            configuration.maxConnections = fitted
        }
    }

    /// The listen backlog: the kernel caps it at net.core.somaxconn.
    static let backlog: Int32 = 65_535

    static func resolve(_ configuration: Configuration) throws(ServerError) -> SocketAddress {
        do {
            return try SocketAddress.resolve(host: configuration.host, port: configuration.port)
        } catch {
            throw .cannotResolve(error)
        }
    }

    /// The listener socket activation passed down (`origin` becomes `.inherited`), else one
    /// bound to the configured address.
    static func listener(for configuration: Configuration, nonBlocking: Bool, origin: inout ListenerOrigin) throws(ServerError) -> Socket {
        let inherited: Socket?
        do {
            inherited = try SocketActivation.inheritedListener(nonBlocking: nonBlocking)
        } catch {
            throw .invalidConfiguration(error.description)
        }
        if let inherited {
            origin = .inherited
            return inherited
        }
        origin = .bound
        return try listen(on: resolve(configuration), nonBlocking: nonBlocking, reusePort: configuration.reusePort)
    }

    static func listen(on address: SocketAddress, nonBlocking: Bool, reusePort: Bool) throws(ServerError) -> Socket {
        do {
            return try Socket.listening(on: address, backlog: backlog, nonBlocking: nonBlocking, reusePort: reusePort)
        } catch {
            throw .cannotListen(address: address.description, error)
        }
    }
}

/// Where the listening socket came from, which decides how a shutdown lets go of it.
///
/// Invariant: a server never shuts down (2) or drains an `inherited` socket: the service manager
/// holds it open across restarts, and what waits in its backlog belongs to the next instance.
enum ListenerOrigin: Sendable {
    /// Bound by this process: at shutdown it is drained (epoll mode) and closed.
    case bound
    /// Passed down by socket activation (`LISTEN_FDS`): at shutdown this process only closes its
    /// own descriptor.
    case inherited
}

/// Why a server could not start.
public enum ServerError: Error, CustomStringConvertible {
    /// bind(2) or listen(2) failed: `error: cannot listen on HOST:PORT: REASON`.
    case cannotListen(address: String, Errno)
    case cannotResolve(ResolutionError)
    case invalidConfiguration(String)
    case system(Errno)

    public var description: String {
        switch self {
        case .cannotListen(let address, let errno): "cannot listen on \(address): \(errno.reason)"
        case .cannotResolve(let error): "cannot listen: \(error)"
        case .invalidConfiguration(let reason): reason
        case .system(let errno): "\(errno)"
        }
    }
}
