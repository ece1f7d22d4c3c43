import LinuxIO

/// Closing a connection without destroying the response in flight.
///
/// If a client's unread bytes are still in the socket when it is closed, Linux answers with a
/// reset, and the client may lose the response it has not read yet. So the server first
/// shuts down its sending side, then reads and discards until the client closes, for a
/// bounded time (Apache's "lingering close").
enum LingeringClose {
    static let maxLinger = Duration.seconds(2)

    static func finish(_ socket: borrowing Socket, timeout: Duration) {
        try? socket.shutdown(.write)
        let deadline = Instant.after(min(timeout, maxLinger))
        var scratch = [UInt8](repeating: 0, count: 4096)
        var discarded: [UInt8] = []
        while !deadline.hasPassed {
            guard let ready = try? Poll.wait([(socket.rawValue, .readable)], until: deadline), !ready[0].isEmpty else { return }
            guard case .bytes = try? socket.read(appendingTo: &discarded, scratch: &scratch) else { return }
            discarded.removeAll(keepingCapacity: true)
        }
    }
}
