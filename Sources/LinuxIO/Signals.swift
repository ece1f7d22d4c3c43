import CLinux
import Glibc

/// Process-wide signal dispositions and a blocking wait for the signals a server handles.
///
/// Invariant: the signals passed to `block` must be blocked in every thread before
/// `waitForNext` is used, so `sigwait(3)` is the only place they are delivered.
public enum Signals {
    /// SIG_IGN for `signal`: SIGPIPE must never kill a server whose client vanished.
    public static func ignore(_ signal: Int32) {
        _ = Glibc.signal(signal, SIG_IGN)
    }

    /// Blocks `signals` in the calling thread and every thread it creates afterwards.
    public static func block(_ signals: [Int32]) {
        var set = makeSet(signals)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Unblocks `signals` in the calling thread.
    public static func unblock(_ signals: [Int32]) {
        var set = makeSet(signals)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// sigwait(3): sleeps until one of the blocked `signals` arrives and returns it.
    public static func waitForNext(of signals: [Int32]) -> Int32 {
        var set = makeSet(signals)
        var received: Int32 = 0
        while sigwait(&set, &received) != 0 {}
        return received
    }

    private static func makeSet(_ signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        return set
    }
}
