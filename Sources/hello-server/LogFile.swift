import Glibc
import LinuxIO
import Logging

/// The `--log-file`: an append-only file of log lines that SIGHUP reopens (for log rotation).
///
/// Invariant: each log line is appended with its newline in one `AppendOnlyFile.append`, so
/// lines from several threads never interleave.
final class LogFile: Sendable {
    let path: String
    private let file: AppendOnlyFile

    init(path: String) throws(LogFileError) {
        self.path = path
        do {
            file = try AppendOnlyFile(path: path)
        } catch {
            throw LogFileError(path: path, reason: error.reason)
        }
    }

    func write(_ line: String) {
        file.append(Array((line + "\n").utf8))
    }

    /// Opens the path again (after logrotate renamed the file); keeps the old file on failure.
    func reopen() {
        try? file.reopen()
    }
}

struct LogFileError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "cannot open log file \(path): \(reason)" }
}
