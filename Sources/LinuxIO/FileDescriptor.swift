import Glibc

/// An open file descriptor with exactly one owner, closed when its owner lets go.
///
/// Invariant: `rawValue` is open for the whole life of the value, and nobody else closes it.
/// Being `~Copyable` makes a double close a compile error rather than a race with a reused number.
public struct FileDescriptor: ~Copyable, Sendable {
    public let rawValue: Int32

    /// Takes ownership of an open descriptor.
    public init(owning rawValue: Int32) {
        precondition(rawValue >= 0, "FileDescriptor needs an open descriptor, got \(rawValue)")
        self.rawValue = rawValue
    }

    deinit {
        // close(2) on Linux releases the descriptor even when it reports EINTR or EIO,
        // so there is nothing to retry and nothing useful to report from here.
        _ = Glibc.close(rawValue)
    }

    /// Closes now rather than at the end of the owner's life.
    public consuming func close() {
        // deinit runs here and closes.
    }

    /// Gives up ownership without closing: the caller now owns `rawValue` and must close it
    /// (for storage that cannot hold a non-copyable value, such as a lock's protected value).
    public consuming func take() -> Int32 {
        let rawValue = self.rawValue
        discard self
        return rawValue
    }

    /// Opens `path` read-only (O_CLOEXEC, and O_NOFOLLOW when asked); throws the open(2) errno
    /// (ENOENT, EACCES, ELOOP for a symlink with `noFollow`). O_NONBLOCK, so that opening a FIFO
    /// never waits for a writer (it has no effect on a regular file's reads).
    public static func openReadOnly(_ path: String, noFollow: Bool = false) throws(Errno) -> FileDescriptor {
        let flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (noFollow ? O_NOFOLLOW : 0)
        let fd = try retryingInterrupts("open") { Glibc.open(path, flags) }
        return FileDescriptor(owning: fd)
    }

    /// fstat(2): the file's size, or `nil` when it is not a regular file.
    public func regularFileSize() throws(Errno) -> Int? {
        var info = stat()
        _ = try retryingInterrupts("fstat") { fstat(rawValue, &info) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    /// fstat(2) of a regular file: its size and modification time (seconds since the epoch,
    /// and the nanoseconds within that second); `nil` when it is not a regular file.
    public func regularFileStatus() throws(Errno) -> (size: Int, modified: Int, nanoseconds: Int)? {
        var info = stat()
        _ = try retryingInterrupts("fstat") { fstat(rawValue, &info) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return (Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec))
    }

    /// Reads the whole of a regular file of `size` bytes; stops early if it shrank.
    public func readAll(size: Int) throws(Errno) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let count = try retryingInterrupts("read") {
                bytes.withUnsafeMutableBytes { buffer in Glibc.read(rawValue, buffer.baseAddress! + filled, size - filled) }
            }
            if count == 0 { break }
            filled += count
        }
        if filled < size { bytes.removeLast(size - filled) }
        return bytes
    }

    /// Reads until end of file, whatever the size says (the files of /proc say 0).
    public func readToEnd() throws(Errno) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = try retryingInterrupts("read") {
                chunk.withUnsafeMutableBytes { buffer in Glibc.read(rawValue, buffer.baseAddress, buffer.count) }
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }
}

/// realpath(3): the absolute path with every symlink, `.` and `..` resolved; `nil` when
/// some component does not exist.
public func resolvedPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}
