import Glibc
import LinuxIO

/// Writes a response's head and body to a blocking socket in as few calls as it can.
enum ResponseWriter {
    /// Gathers `head` and `body` into sendmsg(2) calls until all is written; false when the
    /// client is gone or made no progress within the socket's send timeout (abandoned).
    static func writeAll(_ socket: borrowing Socket, _ head: [UInt8], _ body: [UInt8]) -> Bool {
        var written = 0
        let total = head.count + body.count
        while written < total {
            let result = head.withUnsafeBytes { headBytes in
                body.withUnsafeBytes { bodyBytes in
                    Result { () throws(Errno) -> IOResult in
                        var vectors = [iovec](repeating: iovec(), count: 2)
                        var count = 0
                        if written < headBytes.count {
                            vectors[count] = iovec(iov_base: UnsafeMutableRawPointer(mutating: headBytes.baseAddress! + written), iov_len: headBytes.count - written)
                            count += 1
                        }
                        let bodyOffset = max(0, written - headBytes.count)
                        if bodyOffset < bodyBytes.count {
                            vectors[count] = iovec(iov_base: UnsafeMutableRawPointer(mutating: bodyBytes.baseAddress! + bodyOffset), iov_len: bodyBytes.count - bodyOffset)
                            count += 1
                        }
                        return try vectors.withUnsafeMutableBufferPointer { (all) throws(Errno) -> IOResult in
                            try socket.writev(UnsafeMutableBufferPointer(rebasing: all[0..<count]))
                        }
                    }
                }
            }
            guard case .success(.bytes(let count)) = result, count > 0 else { return false }
            written += count
        }
        return true
    }
}

/// Closing a connection without destroying the response in flight.
///
/// If a client's unread bytes are still in the socket when it is closed, Linux answers with a
/// reset, and the client may lose the response it has not read yet. So the server first
/// shuts down its sending side, then reads and discards until the client closes, for a
/// bounded time (Apache's "lingering close").
enum LingeringClose {
    static let maxSeconds = 2.0

    static func finish(_ socket: borrowing Socket, timeout: Double) {
        try? socket.shutdown(.write)
        let deadline = Deadline.after(seconds: min(timeout, maxSeconds))
        var scratch = [UInt8](repeating: 0, count: 4096)
        var discarded: [UInt8] = []
        while !deadline.hasPassed {
            guard let ready = try? Poll.wait([(socket.rawValue, .readable)], until: deadline), !ready[0].isEmpty else { return }
            guard case .bytes = try? socket.read(appendingTo: &discarded, scratch: &scratch) else { return }
            discarded.removeAll(keepingCapacity: true)
        }
    }
}

/// Waiting on the calling thread.
enum Sleep {
    /// nanosleep(2) for `milliseconds`, resumed after signals until the whole time has passed.
    static func milliseconds(_ milliseconds: Int) {
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR {
            request = remaining
        }
    }
}
