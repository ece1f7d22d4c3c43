import CLinux
import Glibc

/// The process's open-file limit (RLIMIT_NOFILE, getrlimit(2)).
public enum OpenFileLimit {
    /// Raises the soft limit towards `wanted` (never above the hard limit, never lowering it);
    /// returns the soft limit in force afterwards.
    public static func raise(toAtLeast wanted: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return wanted }
        let target = min(rlim_t(wanted), limit.rlim_max)
        if target > limit.rlim_cur {
            var raised = limit
            raised.rlim_cur = target
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { return Int(target) }
        }
        return Int(limit.rlim_cur)
    }

    /// The soft limit in force; `nil` when unlimited or unreadable.
    public static var current: Int? {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max /* RLIM_INFINITY */ else { return nil }
        return Int(limit.rlim_cur)
    }
}
