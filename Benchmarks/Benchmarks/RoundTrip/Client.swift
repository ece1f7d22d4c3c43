import Glibc

/// A blocking loopback HTTP client with one preallocated receive buffer, so the client itself
/// allocates nothing per request and every allocation the benchmark counts is the server's.
///
/// Invariant: `descriptor` is a connected TCP socket until `close()`.
final class Client {
    private(set) var descriptor: Int32
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)

    init(port: UInt16) {
        descriptor = Self.connect(port: port)
    }

    deinit {
        close()
        buffer.deallocate()
    }

    static func connect(port: UInt16) -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(descriptor >= 0, "socket: \(errno)")
        var noDelay: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        precondition(result == 0, "connect: \(errno)")
        return descriptor
    }

    func reconnect(port: UInt16) {
        close()
        descriptor = Self.connect(port: port)
    }

    func close() {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
        descriptor = -1
    }

    func send(_ request: UnsafeRawBufferPointer) {
        var sent = 0
        while sent < request.count {
            let count = Glibc.send(descriptor, request.baseAddress! + sent, request.count - sent, Int32(MSG_NOSIGNAL))
            precondition(count > 0 || (count < 0 && errno == EINTR), "send: \(errno)")
            if count > 0 { sent += count }
        }
    }

    /// Reads exactly `total` bytes (a keep-alive response of known length).
    func receive(exactly total: Int) {
        var received = 0
        while received < total {
            let count = recv(descriptor, buffer.baseAddress!, min(buffer.count, total - received), 0)
            precondition(count > 0 || (count < 0 && errno == EINTR), "recv: \(count) \(errno)")
            if count > 0 { received += count }
        }
    }

    /// Reads until the server closes; returns the byte count.
    @discardableResult
    func receiveUntilClosed() -> Int {
        var received = 0
        while true {
            let count = recv(descriptor, buffer.baseAddress!, buffer.count, 0)
            if count == 0 { return received }
            precondition(count > 0 || errno == EINTR, "recv: \(errno)")
            if count > 0 { received += count }
        }
    }

    /// The first `count` received bytes as text (for checking a response in setup).
    func receivedText(_ count: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: buffer[0..<min(count, buffer.count)]), as: UTF8.self)
    }
}
