import ArgumentParser
import Glibc
import HelloServer
import LinuxIO
import Logging

/// The `hello-server` command: parses the options of the README's Usage table, starts the chosen mode and
/// serves until SIGINT or SIGTERM.
@main
struct HelloServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hello-server",
        abstract: "A web server that says hello, in three designs: epoll reactor, thread pool, blocking loop.")

    @Option(help: "Address to bind: an IPv4 or IPv6 literal or a host name.")
    var host = "127.0.0.1"

    @Option(help: "Port; 0 picks any free port (the real one is printed).")
    var port = 7878

    @Option(help: "epoll (reactor + worker pool), pool (blocking accept + thread pool) or blocking (single thread).")
    var mode = ServerMode.epoll

    @Option(help: "Worker threads (pool and epoll modes).")
    var workers = 4

    @Option(help: "Serve files from this directory: / is DIR/hello.html, a miss is 404 with DIR/404.html.")
    var root: String?

    @Option(name: .customLong("sleep-ms"), help: "How long GET /sleep waits, in milliseconds.")
    var sleepMilliseconds = 5000

    @Option(help: "Seconds an idle keep-alive connection is kept (decimals allowed); sent as Keep-Alive: timeout=N.")
    var keepAliveTimeout = 5.0

    @Option(help: "Seconds a client has to send a complete request head; then 408 (a connection that sent nothing is closed silently).")
    var headerTimeout = 10.0

    @Option(help: "Bytes from the request line through the blank line, at most (414 or 431 past it).")
    var maxHeaderBytes = 8192

    @Option(help: "Request body limit in bytes (413 past it).")
    var maxBodyBytes = 1_048_576

    @Option(help: "Open client connections at most; beyond, new ones wait in the backlog.")
    var maxConnections = 10_000

    @Flag(help: "Share the port with other hello-server processes (SO_REUSEPORT); the kernel spreads new connections across them.")
    var reusePort = false

    @Flag(help: "Detach into the background once listening.")
    var daemon = false

    @Option(help: "Write the server's pid to this file; removed on clean exit.")
    var pidFile: String?

    @Option(help: "Server log file (default: stderr); reopened on SIGHUP.")
    var logFile: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = Logger.Level.info

    @Option(help: "Access log in Common Log Format; - for stdout.")
    var accessLog: String?

    @Option(help: "auto, on or off: serve /server-status and /metrics (auto: on loopback binds only).")
    var status = StatusSetting.auto

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0...65535, got \(port)") }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1, got \(workers)") }
        guard sleepMilliseconds >= 0 else { throw ValidationError("--sleep-ms must not be negative") }
        guard keepAliveTimeout > 0, keepAliveTimeout.isFinite else { throw ValidationError("--keep-alive-timeout must be a positive number of seconds") }
        guard headerTimeout > 0, headerTimeout.isFinite else { throw ValidationError("--header-timeout must be a positive number of seconds") }
        guard maxHeaderBytes >= 16 else { throw ValidationError("--max-header-bytes must be at least 16") }
        guard maxBodyBytes >= 0 else { throw ValidationError("--max-body-bytes must not be negative") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
        for (option, path) in [("--pid-file", pidFile), ("--log-file", logFile), ("--access-log", accessLog)] where path == "" {
            throw ValidationError("\(option) needs a path")
        }
    }

    var serverConfiguration: Configuration {
        var configuration = Configuration()
        configuration.host = host
        configuration.port = UInt16(port)
        configuration.mode = mode
        configuration.workers = workers
        configuration.root = root
        configuration.sleepMilliseconds = sleepMilliseconds
        configuration.keepAliveTimeout = keepAliveTimeout
        configuration.headerTimeout = headerTimeout
        configuration.maxHeaderBytes = maxHeaderBytes
        configuration.maxBodyBytes = maxBodyBytes
        configuration.maxConnections = maxConnections
        configuration.reusePort = reusePort
        configuration.status = status
        return configuration
    }

    func run() throws {
        SignalWatcher.prepareProcess()
        // Paths stay valid after the daemon's chdir("/").
        let pidFile = self.pidFile.map { PIDFile(path: absolutePath($0)) }
        let logFile: LogFile?
        let accessLog: AccessLog?
        do {
            logFile = try self.logFile.map { path throws(LogFileError) in try LogFile(path: absolutePath(path)) }
        } catch {
            throw fail(error.description, status: 1)
        }
        do {
            accessLog = try self.accessLog.map { path throws(AccessLogError) in try AccessLog(path: path == "-" ? path : absolutePath(path)) }
        } catch {
            throw fail(error.description, status: 1)
        }
        let level = logLevel
        LoggingSystem.bootstrap { _ in LineLogHandler(file: logFile, logLevel: level) }
        let logger = Logger(label: "hello-server")

        do { try pidFile?.checkNotRunning() } catch { throw fail(error.description, status: 1) }
        let server: any Server
        do {
            server = try Servers.make(serverConfiguration, logger: logger, accessLog: accessLog)
        } catch {
            throw fail(error.description, status: 1)
        }
        if daemon {
            try detachAndServe(server, pidFile: pidFile, logFile: logFile, accessLog: accessLog, logger: logger)
        } else {
            do { try pidFile?.write() } catch { throw fail(error.description, status: 1) }
            writeLine(server.listeningLine, to: STDOUT_FILENO)
            try serve(server, pidFile: pidFile, logFile: logFile, accessLog: accessLog, logger: logger)
        }
    }

    /// `--daemon`: fork away (before any thread exists), and let the launcher exit 0 with the
    /// listening line only once the daemon has written its pid file and serves.
    private func detachAndServe(
        _ server: any Server, pidFile: PIDFile?, logFile: LogFile?, accessLog: AccessLog?, logger: Logger
    ) throws {
        let role: Daemon.Role
        do { role = try Daemon.detach() } catch { throw fail("cannot detach: \(error)", status: 1) }
        switch consume role {
        case .launcher(let report):
            switch report {
            case .failed(let failure):
                throw fail(failure, status: 1)
            case .serving(let daemonPID):
                // Under a service manager the launcher is the main process it watches: it says
                // ready, and names the daemon the new main process, whose messages then count.
                ServiceStateNotifier(logger: logger).ready(server.listeningLine, mainPID: daemonPID)
                writeLine(server.listeningLine, to: STDOUT_FILENO)
            }
        case .daemon(let readiness):
            do {
                try pidFile?.write()
            } catch {
                readiness.reportFailure(error.description)
                throw ExitCode(1)
            }
            readiness.reportReady()
            try serve(server, pidFile: pidFile, logFile: logFile, accessLog: accessLog, logger: logger, announcesReady: false)
        }
    }

    /// Serves until a graceful shutdown, with SIGHUP reopening the logs, and tells a waiting
    /// service manager (`Type=notify`) each change: ready (unless the `--daemon` launcher said
    /// it), reloading, stopping. The signals stay blocked until the watcher starts, so READY=1
    /// goes first even if a SIGTERM is already waiting.
    private func serve(
        _ server: any Server, pidFile: PIDFile?, logFile: LogFile?, accessLog: AccessLog?, logger: Logger, announcesReady: Bool = true
    ) throws {
        logger.info("\(server.listeningLine)")
        let notifier = ServiceStateNotifier(logger: logger)
        if announcesReady { notifier.ready(server.listeningLine) }
        try SignalWatcher.start(for: server, onStop: notifier.stopping) {
            notifier.reloading()
            logFile?.reopen()
            accessLog?.reopen()
            logger.info("SIGHUP: log files reopened")
            notifier.ready(server.listeningLine)
        }
        do { try server.run() } catch {
            pidFile?.release()
            throw fail(error.description, status: 1)
        }
        pidFile?.release()
    }

    /// `path` made absolute against the directory the command was started in.
    private func absolutePath(_ path: String) -> String {
        guard !path.hasPrefix("/"), let directory = getcwd(nil, 0) else { return path }
        defer { free(directory) }
        return String(cString: directory) + "/" + path
    }

    private func fail(_ message: String, status: Int32) -> ExitCode {
        writeLine("error: \(message)", to: STDERR_FILENO)
        return ExitCode(status)
    }

    /// Unbuffered, so the line is out before anything else happens.
    private func writeLine(_ text: String, to descriptor: Int32) {
        AppendOnlyFile(standardStream: descriptor).append(Array("\(text)\n".utf8))
    }
}

extension ServerMode: ExpressibleByArgument {}
extension StatusSetting: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}
