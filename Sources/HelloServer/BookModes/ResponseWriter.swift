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
