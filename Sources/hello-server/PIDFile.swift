import Glibc
import LinuxIO

/// The `--pid-file`: names the running server's process, refused while another live process
/// holds it, removed on clean exit.
///
/// Invariant: after `claim()` succeeds the file holds this process's pid followed by a newline.
struct PIDFile {
    let path: String

    /// Throws when the file names a process that is still running (a stale file is fine).
    func checkNotRunning() throws(PIDFileError) {
        if let existing = readPID(), existing != ProcessStatus.id, ProcessStatus.isAlive(existing) {
            throw .runningProcess(path: path, pid: existing)
        }
    }

    /// Writes our pid, replacing a stale file; throws when it names a process still running.
    func write() throws(PIDFileError) {
        try checkNotRunning()
        do {
            try replaceFile(at: path, with: Array("\(ProcessStatus.id)\n".utf8))
        } catch {
            throw .cannotWrite(path: path, reason: error.reason)
        }
    }

    /// Removes the file if it still names this process.
    func release() {
        if readPID() == ProcessStatus.id { removeFile(at: path) }
    }

    private func readPID() -> Int32? {
        guard let file = try? FileDescriptor.openReadOnly(path), let size = try? file.regularFileSize(),
              let bytes = try? file.readAll(size: min(size, 64))
        else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).trimmingWhitespace
        return Int32(text)
    }
}

enum PIDFileError: Error, CustomStringConvertible {
    case runningProcess(path: String, pid: Int32)
    case cannotWrite(path: String, reason: String)

    var description: String {
        switch self {
        case .runningProcess(let path, let pid): "pid file \(path) names running process \(pid)"
        case .cannotWrite(let path, let reason): "cannot write pid file \(path): \(reason)"
        }
    }
}

extension String {
    var trimmingWhitespace: String {
        let scalars = unicodeScalars.drop { $0.properties.isWhitespace }.reversed().drop { $0.properties.isWhitespace }.reversed()
        return String(String.UnicodeScalarView(scalars))
    }
}
