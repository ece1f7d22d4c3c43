import HTTP1

/// Which of the three server designs runs (README, Usage: `--mode`).
public enum ServerMode: String, Sendable, CaseIterable {
    /// One reactor thread on epoll reads and parses; a worker pool writes responses.
    case epoll
    /// The book's final design: a blocking accept loop handing connections to a thread pool.
    case pool
    /// The book's first design: one thread, one connection at a time.
    case blocking
}

/// When `/server-status` and `/metrics` are served (README, Usage: `--status`).
public enum StatusSetting: String, Sendable, CaseIterable {
    /// Only when bound to a loopback address.
    case auto
    case on
    case off
}

/// Everything the server is told on its command line, already validated.
///
/// Invariant: every value is in range (workers ≥ 1, timeouts > 0, limits ≥ 1), so the
/// server never has to check them again; the command-line layer refuses anything else.
public struct Configuration: Sendable {
    public var host = "127.0.0.1"
    public var port: UInt16 = 7878
    public var mode = ServerMode.epoll
    public var workers = 4
    /// Serve files from this directory instead of the built-in pages.
    public var root: String?
    public var sleepMilliseconds = 5000
    public var keepAliveTimeout = 5.0
    public var headerTimeout = 10.0
    public var maxHeaderBytes = 8192
    public var maxBodyBytes = 1_048_576
    public var maxConnections = 10_000
    /// SO_REUSEPORT on the listener: several processes listen on one port, and the kernel
    /// spreads new connections across them (scaling across cores with a reactor each).
    public var reusePort = false
    public var status = StatusSetting.auto

    public init() {}

    /// The parser limits these options imply.
    public var parserLimits: ParserLimits {
        ParserLimits(maxHeaderBytes: maxHeaderBytes, maxBodyBytes: maxBodyBytes)
    }

    /// Worker threads the mode really uses (blocking mode has just its one thread).
    public var effectiveWorkers: Int { mode == .blocking ? 1 : workers }
}
