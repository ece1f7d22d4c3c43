import Glibc

/// A file opened for appending (or a standard stream) that can be opened again at its path,
/// after logrotate renamed it: the destination of the access log and of the server log.
///
/// Invariant: `append` writes all of its bytes, in as few write(2) calls as the kernel allows,
/// to the descriptor current at that moment; the file is opened with O_APPEND, so each call's
/// bytes land after everything before them, and appends of one file never overlap (one lock).
/// `reopen` swaps in the new descriptor under that lock and closes the old one after, so no
/// append goes to a closed descriptor. A standard stream is never closed or reopened.
public final class AppendOnlyFile: Sendable {
    /// The file's path; `nil` for a standard stream.
    public let path: String?
    private let descriptor: Locked<Int32>

    /// Opens (creating, mode 0644) `path` for appending.
    public init(path: String) throws(Errno) {
        self.path = path
        descriptor = Locked(try Self.open(path).take())
    }

    /// Appends to a standard stream (`STDOUT_FILENO`, `STDERR_FILENO`), which stays open.
    public init(standardStream: Int32) {
        path = nil
        descriptor = Locked(standardStream)
    }

    deinit {
        if path != nil { FileDescriptor(owning: descriptor.withLock { $0 }).close() }
    }

    private static func open(_ path: String) throws(Errno) -> FileDescriptor {
        let fd = try retryingInterrupts("open(\(path))") { Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644) }
        return FileDescriptor(owning: fd)
    }

    /// Writes all of `bytes`; a failing write (a full disk, a closed pipe) drops the rest, since
    /// a log has nowhere to report its own failure.
    public func append(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        descriptor.withLock { fd in try? writeAll(bytes, to: fd, "write") }
    }

    /// Opens the path again, so that later appends go to a new file there; a standard stream
    /// stays as it is. On failure the old file stays in use and the error is thrown.
    public func reopen() throws(Errno) {
        guard let path else { return }
        let fresh = try Self.open(path).take()
        let old = descriptor.withLock { fd in
            let old = fd
            fd = fresh
            return old
        }
        FileDescriptor(owning: old).close()
    }
}

/// Replaces the file at `path` with `bytes` (created with mode 0644 if missing): a pid file.
public func replaceFile(at path: String, with bytes: [UInt8]) throws(Errno) {
    let fd = try retryingInterrupts("open(\(path))") { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
    let file = FileDescriptor(owning: fd)
    try writeAll(bytes, to: file.rawValue, "write(\(path))")
}

/// write(2) until all of `bytes` is written (a regular file or a pipe may take less per call).
private func writeAll(_ bytes: [UInt8], to fd: Int32, _ call: String) throws(Errno) {
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { buffer in
            Result { () throws(Errno) in try retryingInterrupts(call) { write(fd, buffer.baseAddress! + offset, buffer.count - offset) } }
        }
        offset += try written.get()
    }
}

/// unlink(2); false when there was nothing to remove or it could not be removed.
@discardableResult
public func removeFile(at path: String) -> Bool {
    unlink(path) == 0
}
