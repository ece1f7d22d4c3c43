import Glibc
import LinuxIO
import Testing

/// A test step that could not happen (a bounded wait ran out, a call returned something
/// impossible); thrown so the test fails instead of hanging.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A listener on 127.0.0.1 with a port the kernel chose.
func makeListener(host: String = "127.0.0.1", nonBlocking: Bool = false) throws -> Socket {
    try Socket.listening(on: SocketAddress.resolve(host: host, port: 0), backlog: 16, nonBlocking: nonBlocking)
}

/// A blocking client connected to `listener`.
func connectClient(to listener: borrowing Socket) throws -> Socket {
    try Socket.connect(to: listener.localAddress())
}

/// Accepts the connection waiting on `listener`, waiting for it at most `seconds`.
func acceptConnection(_ listener: borrowing Socket, within seconds: Double = 5) throws -> Socket {
    try waitUntilReadable(listener.rawValue, within: seconds)
    guard let connection = try listener.accept() else { throw TestFailure("accept found nothing after poll said readable") }
    return connection
}

/// Waits (bounded) until `fd` is readable, or throws.
func waitUntilReadable(_ fd: Int32, within seconds: Double = 5) throws {
    let events = try Poll.wait([(fd: fd, events: .readable)], until: .after(seconds: seconds))
    guard !events[0].isEmpty else { throw TestFailure("descriptor \(fd) not readable after \(seconds) s") }
}

/// Writes all of `bytes` to `socket`.
func writeAll(_ socket: borrowing Socket, _ bytes: [UInt8]) throws {
    var sent = 0
    while sent < bytes.count {
        let result = try bytes.withUnsafeBytes { buffer in
            try socket.write(UnsafeRawBufferPointer(rebasing: buffer[sent...]))
        }
        guard case .bytes(let count) = result, count > 0 else { throw TestFailure("write returned \(result)") }
        sent += count
    }
}

/// Reads from `socket` until `count` bytes arrived or the peer closed, each read bounded.
func readBytes(_ socket: borrowing Socket, count: Int, within seconds: Double = 5) throws -> [UInt8] {
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while received.count < count {
        try waitUntilReadable(socket.rawValue, within: seconds)
        let result = try buffer.withUnsafeMutableBytes { try socket.read(into: $0) }
        switch result {
        case .bytes(let n): received += buffer[0..<n]
        case .endOfFile: return received
        case .wouldBlock: continue
        }
    }
    return received
}

func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

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
