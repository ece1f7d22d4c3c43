import Glibc
import LinuxIO
import Logging

/// The server's side of systemd's `Type=notify` protocol: `READY=1` once it serves (and again
/// after a reload), `RELOADING=1` while SIGHUP reopens the logs, `STOPPING=1` when a graceful
/// shutdown begins.
///
/// Invariant: without `$NOTIFY_SOCKET` every call does nothing; a message that cannot be sent
/// is logged (the first failure as a warning, later ones at debug), and serving goes on.
final class ServiceStateNotifier: Sendable {
    private let notifier: ServiceNotifier?
    private let logger: Logger
    private let failures = Locked(0)

    init(logger: Logger) {
        self.logger = logger
        do {
            notifier = try ServiceNotifier.fromEnvironment()
        } catch {
            logger.warning("service notification off: \(error)")
            notifier = nil
        }
    }

    /// `mainPID`: the process the service manager should watch from now on (the daemon, when
    /// the `--daemon` launcher speaks for it).
    func ready(_ status: String, mainPID: Int32 = getpid()) {
        send(["READY=1", "STATUS=\(status)", "MAINPID=\(mainPID)"])
    }

    @Sendable func reloading() {
        send(["RELOADING=1", "MONOTONIC_USEC=\(ServiceNotifier.monotonicMicroseconds)", "STATUS=reopening log files"])
    }

    @Sendable func stopping() {
        send(["STOPPING=1", "STATUS=shutting down gracefully"])
    }

    private func send(_ lines: [String]) {
        guard let notifier else { return }
        do {
            try notifier.send(lines)
        } catch {
            let first = failures.withLock { count in
                count += 1
                return count == 1
            }
            let message: Logger.Message = "cannot notify the service manager at \(notifier.socketName): \(error)"
            if first { logger.warning(message) } else { logger.debug(message) }
        }
    }
}
