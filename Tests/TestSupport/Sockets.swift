import LinuxIO

/// A listener on 127.0.0.1 with a port the kernel chose.
public func makeListener(host: String = "127.0.0.1", nonBlocking: Bool = false) throws -> Socket {
    try Socket.listening(on: SocketAddress.resolve(host: host, port: 0), backlog: 16, nonBlocking: nonBlocking)
}

/// A blocking client connected to `listener`.
public func connectClient(to listener: borrowing Socket) throws -> Socket {
    try Socket.connect(to: listener.localAddress())
}

/// Accepts the connection waiting on `listener`, waiting for it at most `seconds`.
public func acceptConnection(_ listener: borrowing Socket, within seconds: Double = 5) throws -> Socket {
    try waitUntilReadable(listener.rawValue, within: seconds)
    guard let connection = try listener.accept() else { throw TestFailure("accept found nothing after poll said readable") }
    return connection
}

/// Waits (bounded) until `fd` is readable, or throws.
public func waitUntilReadable(_ fd: Int32, within seconds: Double = 5) throws {
    let events = try Poll.wait([(fd: fd, events: .readable)], until: .after(.seconds(seconds)))
    guard !events[0].isEmpty else { throw TestFailure("descriptor \(fd) not readable after \(seconds) s") }
}

/// Writes all of `bytes` to `socket`.
public func writeAll(_ socket: borrowing Socket, _ bytes: [UInt8]) throws {
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
public func readBytes(_ socket: borrowing Socket, count: Int, within seconds: Double = 5) throws -> [UInt8] {
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
