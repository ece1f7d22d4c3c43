import Glibc
import LinuxIO
import Testing

/// Runs `body` with SIGPIPE blocked in the calling thread and reports whether it raised
/// SIGPIPE. A blocked signal stays pending even when its disposition is SIG_IGN, so this
/// sees a SIGPIPE whatever the test runner did with the signal; the pending signal is
/// consumed before the mask is restored, so it is never delivered.
func raisesSIGPIPE<T>(_ body: () throws -> T) rethrows -> (raised: Bool, result: T) {
    var pipeSet = sigset_t()
    sigemptyset(&pipeSet)
    sigaddset(&pipeSet, SIGPIPE)
    var previous = sigset_t()
    pthread_sigmask(SIG_BLOCK, &pipeSet, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    consumePendingSIGPIPE(&pipeSet)
    let result = try body()
    var pending = sigset_t()
    sigpending(&pending)
    let raised = sigismember(&pending, SIGPIPE) == 1
    consumePendingSIGPIPE(&pipeSet)
    return (raised, result)
}

private func consumePendingSIGPIPE(_ set: inout sigset_t) {
    var pending = sigset_t()
    sigpending(&pending)
    guard sigismember(&pending, SIGPIPE) == 1 else { return }
    var zero = timespec(tv_sec: 0, tv_nsec: 0)
    _ = sigtimedwait(&set, nil, &zero)
}

/// Whether the kernel lets this process bind to ::1 (IPv6 may be disabled in containers).
let ipv6LoopbackAvailable: Bool = {
    let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in6()
    address.sin6_family = sa_family_t(AF_INET6)
    address.sin6_addr = in6addr_loopback
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0
        }
    }
}()
