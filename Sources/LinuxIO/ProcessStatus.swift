import Glibc

/// Process identity and liveness, for the pid file.
public enum ProcessStatus {
    public static var id: Int32 { getpid() }

    /// Whether a process with this pid exists (kill(2) with signal 0; EPERM means it does).
    public static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}
