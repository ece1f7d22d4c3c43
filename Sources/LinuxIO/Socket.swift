import CLinux
import Glibc

/// What a read or write on a socket did.
public enum IOResult: Equatable, Sendable {
    /// This many bytes moved (never 0 for a write of a non-empty buffer).
    case bytes(Int)
    /// EAGAIN: a non-blocking socket has nothing to read or no room to write, or a
    /// blocking one hit its SO_RCVTIMEO / SO_SNDTIMEO.
    case wouldBlock
    /// The peer closed its sending side (read only).
    case endOfFile
}

/// A TCP socket with one owner: a listener or a connection.
///
/// Invariant: the descriptor is an open stream socket; it is closed exactly once, when the
/// `Socket` ends. Failures other than EINTR (retried) and EAGAIN (a result) throw `Errno`.
public struct Socket: ~Copyable, Sendable {
    public let descriptor: FileDescriptor

    public init(_ descriptor: consuming FileDescriptor) {
        self.descriptor = descriptor
    }

    public var rawValue: Int32 { descriptor.rawValue }

    /// socket(2), SO_REUSEADDR, bind(2) and listen(2): a listening socket on `address`.
    /// `reusePort` sets SO_REUSEPORT before binding, so that other sockets that set it (in this
    /// process or another of the same user) can listen on the same address, and the kernel
    /// spreads new connections across them.
    public static func listening(
        on address: SocketAddress, backlog: Int32, nonBlocking: Bool = false, reusePort: Bool = false
    ) throws(Errno) -> Socket {
        let type = CLINUX_SOCK_STREAM | CLINUX_SOCK_CLOEXEC | (nonBlocking ? CLINUX_SOCK_NONBLOCK : 0)
        let fd = try retryingInterrupts("socket") { Glibc.socket(address.family, type, 0) }
        let socket = Socket(FileDescriptor(owning: fd))
        try socket.setOption(SOL_SOCKET, SO_REUSEADDR, 1, "setsockopt(SO_REUSEADDR)")
        if reusePort { try socket.setOption(SOL_SOCKET, SO_REUSEPORT, 1, "setsockopt(SO_REUSEPORT)") }
        _ = try retryingInterrupts("bind") { address.withSockAddr { Glibc.bind(fd, $0, $1) } }
        _ = try retryingInterrupts("listen") { Glibc.listen(fd, backlog) }
        return socket
    }

    /// socket(2) and connect(2), blocking: a client connection. The server never connects:
    /// `package`, for this package's tests only.
    package static func connect(to address: SocketAddress) throws(Errno) -> Socket {
        let fd = try retryingInterrupts("socket") { Glibc.socket(address.family, CLINUX_SOCK_STREAM | CLINUX_SOCK_CLOEXEC, 0) }
        let socket = Socket(FileDescriptor(owning: fd))
        _ = try retryingInterrupts("connect") { address.withSockAddr { Glibc.connect(fd, $0, $1) } }
        return socket
    }

    /// getsockname(2): the address this socket is bound to (the real port after binding port 0).
    public func localAddress() throws(Errno) -> SocketAddress {
        try address("getsockname") { getsockname($0, $1, $2) }
    }

    /// getpeername(2): the address of the other end (the server has it from accept4; for tests).
    package func peerAddress() throws(Errno) -> SocketAddress {
        try address("getpeername") { getpeername($0, $1, $2) }
    }

    private func address(
        _ call: String,
        _ body: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
    ) throws(Errno) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try retryingInterrupts(call) {
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body(rawValue, $0, &length) }
            }
        }
        guard let address = SocketAddress(storage: storage) else { throw Errno(EAFNOSUPPORT, call) }
        return address
    }

    /// accept4(2) with SOCK_CLOEXEC (and SOCK_NONBLOCK when asked): the next connection, or
    /// `nil` when a non-blocking listener has none waiting.
    public func accept(nonBlocking: Bool = false) throws(Errno) -> Socket? {
        var ignored: SocketAddress?
        return try accept(nonBlocking: nonBlocking, peer: &ignored)
    }

    /// Like `accept(nonBlocking:)`, and fills in the client's address in the same call.
    public func accept(nonBlocking: Bool = false, peer: inout SocketAddress?) throws(Errno) -> Socket? {
        let flags = CLINUX_SOCK_CLOEXEC | (nonBlocking ? CLINUX_SOCK_NONBLOCK : 0)
        var storage = sockaddr_storage()
        let accepted = try retryingInterruptsUnlessWouldBlock("accept4") {
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            return withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { clinux_accept4(rawValue, $0, &length, flags) }
            }
        }
        guard let fd = accepted else { return nil }
        peer = SocketAddress(storage: storage)
        return Socket(FileDescriptor(owning: fd))
    }

    /// read(2) into `buffer`.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> IOResult {
        guard let count = try retryingInterruptsUnlessWouldBlock("read", { Glibc.read(rawValue, buffer.baseAddress, buffer.count) }) else {
            return .wouldBlock
        }
        return count == 0 ? .endOfFile : .bytes(count)
    }

    /// read(2) into `scratch`, then appends what arrived to `buffer`.
    public func read(appendingTo buffer: inout [UInt8], scratch: inout [UInt8]) throws(Errno) -> IOResult {
        let result = scratch.withUnsafeMutableBytes { bytes in Result { () throws(Errno) in try read(into: bytes) } }
        let outcome = try result.get()
        if case .bytes(let count) = outcome { buffer.append(contentsOf: scratch[0..<count]) }
        return outcome
    }

    /// send(2) with MSG_NOSIGNAL, so a vanished peer is EPIPE and never SIGPIPE.
    public func write(_ buffer: UnsafeRawBufferPointer) throws(Errno) -> IOResult {
        let count = try retryingInterruptsUnlessWouldBlock("send") { Glibc.send(rawValue, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL)) }
        return count.map { .bytes($0) } ?? .wouldBlock
    }

    /// sendmsg(2) with MSG_NOSIGNAL: writev(2) that gathers several buffers into one call,
    /// without raising SIGPIPE when the peer is gone.
    public func writev(_ vectors: UnsafeMutableBufferPointer<iovec>) throws(Errno) -> IOResult {
        var message = msghdr()
        message.msg_iov = vectors.baseAddress
        message.msg_iovlen = vectors.count
        let count = try retryingInterruptsUnlessWouldBlock("sendmsg") { Glibc.sendmsg(rawValue, &message, Int32(MSG_NOSIGNAL)) }
        return count.map { .bytes($0) } ?? .wouldBlock
    }

    /// sendfile(2) of up to `count` bytes of `file` from `offset`, which it advances by what was
    /// sent; `.endOfFile` when the file has no byte at `offset` (it shrank). A socket with a send
    /// timeout or a non-blocking one gives `.wouldBlock` when it takes nothing. It has no
    /// MSG_NOSIGNAL: the process must ignore SIGPIPE (every server does, `Servers.make`).
    public func sendFile(_ file: borrowing FileDescriptor, offset: inout Int, count: Int) throws(Errno) -> IOResult {
        guard count > 0 else { return .bytes(0) }
        var position = Int64(offset)
        let outcome = try retryingInterruptsUnlessWouldBlock("sendfile") {
            clinux_sendfile(rawValue, file.rawValue, &position, UInt(min(count, 1 << 30)))
        }
        offset = Int(position)
        guard let sent = outcome else { return .wouldBlock }
        return sent == 0 ? .endOfFile : .bytes(sent)
    }

    /// shutdown(2). Also wakes a thread blocked in accept(2) on a listener (it fails with EINVAL).
    public func shutdown(_ how: Shutdown) throws(Errno) {
        _ = try retryingInterrupts("shutdown") { Glibc.shutdown(rawValue, how.rawValue) }
    }

    /// Which direction `shutdown` closes.
    public enum Shutdown: Int32, Sendable {
        case read = 0, write = 1, both = 2
    }

    /// SO_RCVTIMEO / SO_SNDTIMEO: a blocking read or write gives up with `.wouldBlock`
    /// after that long without progress.
    public func setTimeouts(receive: Duration?, send: Duration?) throws(Errno) {
        if let receive { try setTimeout(SO_RCVTIMEO, receive, "setsockopt(SO_RCVTIMEO)") }
        if let send { try setTimeout(SO_SNDTIMEO, send, "setsockopt(SO_SNDTIMEO)") }
    }

    private func setTimeout(_ option: Int32, _ length: Duration, _ call: String) throws(Errno) {
        let nanoseconds = length.wholeNanoseconds
        var value = timeval(tv_sec: Int(clamping: nanoseconds / 1_000_000_000), tv_usec: Int(nanoseconds % 1_000_000_000 / 1000))
        if value.tv_sec == 0 && value.tv_usec == 0 { value.tv_usec = 1 }  // 0 would mean "never"
        _ = try retryingInterrupts(call) {
            setsockopt(rawValue, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<timeval>.size))
        }
    }

    /// TCP_NODELAY: send small responses at once instead of waiting for an ACK (Nagle).
    public func setNoDelay() throws(Errno) {
        try setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1, "setsockopt(TCP_NODELAY)")
    }

    /// SO_LINGER with a zero timeout: close(2) then resets the connection (for fault tests).
    package func setResetOnClose() throws(Errno) {
        var value = linger(l_onoff: 1, l_linger: 0)
        _ = try retryingInterrupts("setsockopt(SO_LINGER)") {
            setsockopt(rawValue, SOL_SOCKET, SO_LINGER, &value, socklen_t(MemoryLayout<linger>.size))
        }
    }

    func setOption(_ level: Int32, _ name: Int32, _ value: Int32, _ call: String) throws(Errno) {
        var value = value
        _ = try retryingInterrupts(call) {
            setsockopt(rawValue, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }
}
