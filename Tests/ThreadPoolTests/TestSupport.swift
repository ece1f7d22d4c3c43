import Glibc
import LinuxIO
import ThreadPool

extension Locked {
    /// A copy of the value, read under the lock.
    var value: Value { withLock { $0 } }
}
