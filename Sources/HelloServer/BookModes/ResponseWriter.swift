import Glibc
import LinuxIO

/// Writes a response's head and body to a blocking socket in as few calls as it can.
enum ResponseWriter {
    /// How a write ended.
    enum Outcome {
        case written
        /// The client took nothing within the socket's send timeout: abandoned.
        case timedOut
        /// The client is gone (reset, or closed).
        case failed
    }

    /// Gathers `head` and `body` into sendmsg(2) calls until all is written, the client takes
    /// nothing for the socket's send timeout, or it is gone.
    static func writeAll(_ socket: borrowing Socket, _ head: [UInt8], _ body: [UInt8]) -> Outcome {
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
            switch result {
            case .success(.bytes(let count)) where count > 0: written += count
            case .success(.wouldBlock): return .timedOut
            default: return .failed
            }
        }
        return .written
    }
}
