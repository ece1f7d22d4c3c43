import Glibc
import LinuxIO
import Logging

/// A log destination that appends lines to a file and can reopen it (for log rotation).
///
/// Invariant: each log line is written with one write(2) on an O_APPEND descriptor, so lines
/// from several threads never interleave; `reopen()` swaps the descriptor under the lock.
final class LogFile: Sendable {
    let path: String
    private let descriptor: Locked<Int32>

    init(path: String) throws(LogFileError) {
        self.path = path
        descriptor = Locked(try Self.open(path))
    }

    private static func open(_ path: String) throws(LogFileError) -> Int32 {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LogFileError(path: path, reason: String(cString: strerror(errno))) }
        return fd
    }

    func write(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        descriptor.withLock { fd in
            _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        }
    }

    /// Opens the path again (after logrotate renamed the file); keeps the old file on failure.
    func reopen() {
        guard let fresh = try? Self.open(path) else { return }
        let old = descriptor.withLock { fd in
            let old = fd
            fd = fresh
            return old
        }
        close(old)
    }
}

struct LogFileError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "cannot open log file \(path): \(reason)" }
}

/// A swift-log handler writing `TIMESTAMP LEVEL hello-server: message` lines to stderr or a `LogFile`.
struct LineLogHandler: LogHandler {
    let file: LogFile?
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = "\(Self.timestamp()) \(event.level) hello-server: \(event.message)"
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        if !merged.isEmpty {
            line += " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        if let file {
            file.write(line)
        } else {
            var bytes = Array(line.utf8)
            bytes.append(0x0A)
            _ = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
        }
    }

    private static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var text = [CChar](repeating: 0, count: 32)
        let count = strftime(&text, text.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(decoding: text[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
