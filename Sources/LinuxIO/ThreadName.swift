import Glibc

/// Names the calling thread, as `top -H`, `ps -L` and /proc show it (at most 15 bytes: the
/// kernel's limit). pthread_setname_np is not exported by Glibc's module;
/// /proc/thread-self/comm is the same setting (proc(5)). Naming is best effort: a failure
/// leaves the name as it was.
public func nameCurrentThread(_ name: String) {
    let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    let file = FileDescriptor(owning: fd)
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(file.rawValue, $0.baseAddress, $0.count) }
}
