import Glibc
import LinuxIO
import ThreadPool

/// The thread that turns SIGINT, SIGTERM and SIGHUP into server actions.
///
/// Invariant: `prepareProcess()` runs on the main thread before any other thread exists, so
/// the three signals are blocked everywhere and arrive only at the watcher's sigwait(3);
/// SIGPIPE is ignored process-wide.
public enum SignalWatcher {
    static let handled = [SIGINT, SIGTERM, SIGHUP]

    /// Ignores SIGPIPE and blocks the handled signals for every thread created afterwards.
    public static func prepareProcess() {
        Signals.ignore(SIGPIPE)
        Signals.block(handled)
    }

    /// Starts the watcher: the first SIGINT/SIGTERM calls `onStop` and begins `server`'s graceful
    /// shutdown, a second one exits at once with status 128 + signal; SIGHUP calls `onHangUp`.
    @discardableResult
    public static func start(
        for server: any Server, onStop: @escaping @Sendable () -> Void = {}, onHangUp: @escaping @Sendable () -> Void
    ) throws -> JoinableThread {
        try JoinableThread(name: "signals") {
            var stopping = false
            while true {
                let signal = Signals.waitForNext(of: handled)
                if signal == SIGHUP {
                    onHangUp()
                } else if stopping {
                    _exit(128 + signal)
                } else {
                    stopping = true
                    onStop()
                    server.shutdown()
                }
            }
        }
    }
}
