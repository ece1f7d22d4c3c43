import LinuxIO

/// The bytes of a file a response sends after its head, straight from the file (sendfile(2)),
/// so a download costs a descriptor and a few words, whatever the file's size.
///
/// Invariant: owns the open descriptor, which closes with the last reference (on completion,
/// on error, at the write deadline or at shutdown: whenever its connection lets go); `offset`
/// and `remaining` say what is still to send. Like the connection that holds it, it is used by
/// one thread at a time, handed over under the pool's and the hand-back queue's locks; hence
/// `@unchecked Sendable`.
final class FileBody: @unchecked Sendable {
    let file: FileDescriptor
    private(set) var offset: Int
    private(set) var remaining: Int

    init(_ file: consuming FileDescriptor, offset: Int, count: Int) {
        self.file = file
        self.offset = offset
        remaining = count
    }

    /// What `send(to:)` achieved.
    enum Progress {
        case done
        /// The socket took nothing more now (non-blocking), or within its send timeout (blocking).
        case blocked(progressed: Bool)
        /// The client is gone, or the file shrank below what the head promised.
        case failed
    }

    /// Sends as much of the rest as `socket` takes.
    func send(to socket: borrowing Socket) -> Progress {
        var progressed = false
        while remaining > 0 {
            let result = Result { () throws(Errno) in try socket.sendFile(file, offset: &offset, count: remaining) }
            switch result {
            case .success(.bytes(let count)):
                remaining -= count
                progressed = true
            case .success(.wouldBlock):
                return .blocked(progressed: progressed)
            case .success(.endOfFile), .failure:
                return .failed
            }
        }
        return .done
    }
}
