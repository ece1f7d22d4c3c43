import Foundation
import Glibc
import LinuxIO
import TestSupport
import ThreadPool

/// The real `hello-server` binary running as a child process of the test.
///
/// Invariant: every wait is bounded, and the child never outlives this value: a wait that runs
/// out of time, a failed start and deinit all SIGKILL it (and wait, bounded, for it to go).
final class ServerProcess {
    /// How a child process ended.
    enum Outcome: Equatable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)

        var description: String {
            switch self {
            case .exited(let status): "exit status \(status)"
            case .signaled(let signal): "killed by signal \(signal)"
            }
        }
    }

    let arguments: [String]
    var stdout: Output { child.stdout }
    var stderr: Output { child.stderr }
    private let child: ChildProcess
    /// The first line on stdout, once `waitUntilListening` has seen it.
    private(set) var listeningLine = ""
    /// HOST from the listening line, as printed (IPv6 in brackets).
    private(set) var host = ""
    private(set) var port: UInt16 = 0

    /// Launches `hello-server` with `arguments`, adding `--port 0` unless they name a port.
    /// With `shell`, bash runs those commands first and then execs the server in the same
    /// process (for `ulimit` and inherited descriptors). Does not wait for anything.
    /// The server starts as a `ChildProcess`: stdin /dev/null, stdout and stderr collected,
    /// no other descriptor of this process (but those `inheriting` maps, as `ChildProcess`), this
    /// process's environment and directory.
    init(launching arguments: [String], shell: String? = nil, inheriting: [Int32: Int32] = [:]) throws {
        self.arguments = arguments.contains("--port") ? arguments : ["--port", "0"] + arguments
        let server = try Self.executable().path
        if let shell {
            child = try ChildProcess(
                executable: "/bin/bash",
                arguments: ["/bin/bash", "-c", "\(shell)\nexec \"$0\" \"$@\"", server] + self.arguments,
                inheriting: inheriting)
        } else {
            child = try ChildProcess(executable: server, arguments: [server] + self.arguments, inheriting: inheriting)
        }
    }

    /// Launches the server and waits (bounded) for its listening line.
    static func start(
        _ arguments: [String], shell: String? = nil, inheriting: [Int32: Int32] = [:], timeout: Double = 10
    ) throws -> ServerProcess {
        let server = try ServerProcess(launching: arguments, shell: shell, inheriting: inheriting)
        try server.waitUntilListening(timeout: timeout)
        return server
    }

    /// Launches the command and waits (bounded) for it to exit, for commands that must not start.
    static func runToExit(
        _ arguments: [String], shell: String? = nil, inheriting: [Int32: Int32] = [:], timeout: Double = 10
    ) throws -> ServerProcess {
        let server = try ServerProcess(launching: arguments, shell: shell, inheriting: inheriting)
        _ = try server.waitForExit(timeout: timeout)
        return server
    }

    deinit {
        child.killAndReap(timeout: 5)
    }

    var pid: Int32 { child.pid }

    /// User plus system CPU seconds the server has used (/proc/PID/stat, fields 14 and 15).
    var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let afterName = stat.range(of: ") ")
        else { return 0 }
        let fields = stat[afterName.upperBound...].split(separator: " ")
        let ticks = (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The server's resident memory in KiB (VmRSS in /proc/PID/status).
    var residentKiB: Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return -1 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }

    /// How many descriptors the server has open (/proc/PID/fd).
    var openDescriptors: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    /// How many threads the server runs (/proc/PID/task).
    var threadCount: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").count) ?? -1
    }
    /// Whether the server has not exited yet (reaping it if it has).
    var isRunning: Bool { child.isRunning }

    /// The host to connect to: `host` without IPv6 brackets.
    var connectHost: String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    /// Reads stdout's first line within `timeout` and parses
    /// `listening on http://HOST:PORT (mode: MODE, workers: N)`; kills the child on failure.
    func waitUntilListening(timeout: Double = 10) throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        var line: String?
        while line == nil {
            line = stdout.firstLine
            if line != nil { break }
            if !child.isRunning {
                // It may have written the line just before exiting: let the reader catch up.
                stdout.waitUntilFinished(timeout: 2)
                line = stdout.firstLine
                if line != nil { break }
                stderr.waitUntilFinished(timeout: 2)
                throw TestFailure("hello-server \(arguments) exited (\(child.outcome?.description ?? "?")) without a listening line; stdout: \(stdout.text.debugDescription), stderr: \(stderr.text.debugDescription)")
            }
            if ContinuousClock.now >= deadline {
                child.killAndReap(timeout: 5)
                throw TestFailure("hello-server \(arguments) printed no listening line within \(timeout) s; stdout: \(stdout.text.debugDescription), stderr: \(stderr.text.debugDescription)")
            }
            usleep(5_000)
        }
        let text = line ?? ""
        listeningLine = text
        let prefix = "listening on http://"
        guard text.hasPrefix(prefix), let modeStart = text.range(of: " (mode: ") else {
            throw TestFailure("unexpected listening line: \(text.debugDescription)")
        }
        let hostAndPort = text[prefix.endIndex..<modeStart.lowerBound]
        guard let colon = hostAndPort.lastIndex(of: ":"),
              let port = UInt16(hostAndPort[hostAndPort.index(after: colon)...])
        else {
            throw TestFailure("no port in the listening line: \(text.debugDescription)")
        }
        host = String(hostAndPort[..<colon])
        self.port = port
    }

    /// kill(2) the child with `signal` while it runs.
    func signal(_ signal: Int32) {
        if child.isRunning { child.signal(signal) }
    }

    /// Waits up to `timeout` seconds for the child to exit; on timeout SIGKILLs it and throws.
    /// Afterwards stdout and stderr hold everything it wrote.
    @discardableResult
    func waitForExit(timeout: Double) throws -> Outcome {
        guard let outcome = child.waitForExit(timeout: timeout) else {
            child.killAndReap(timeout: 5)
            throw TestFailure("hello-server \(arguments) still running after \(timeout) s; killed. stderr: \(stderr.text.debugDescription)")
        }
        stdout.waitUntilFinished(timeout: 2)
        stderr.waitUntilFinished(timeout: 2)
        return outcome
    }

    /// `GET path` on a new connection to the server, and its response.
    func get(_ path: String = "/", timeout: Double = 10) throws -> TestResponse {
        let client = try TestClient(port: port, host: connectHost, timeout: timeout)
        try client.send("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n")
        return try client.readResponse(untilClose: false)
    }

    // MARK: Finding the binary

    /// The `hello-server` executable SwiftPM built next to the test binary.
    static func executable() throws -> URL {
        guard let url = located else {
            throw TestFailure("cannot find the hello-server executable near \(CommandLine.arguments.first ?? "?")")
        }
        return url
    }

    private static let located: URL? = locate()

    private static func locate() -> URL? {
        let files = FileManager.default
        if let override = ProcessInfo.processInfo.environment["HELLO_SERVER_EXECUTABLE"], isExecutableFile(override) {
            return URL(fileURLWithPath: override)
        }
        var starts: [URL] = []
        if let exe = try? files.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            starts.append(URL(fileURLWithPath: exe))
        }
        if let first = CommandLine.arguments.first {
            starts.append(URL(fileURLWithPath: first).resolvingSymlinksInPath())
        }
        for start in starts {
            var directory = start.deletingLastPathComponent()
            for _ in 0..<8 {
                let candidate = directory.appendingPathComponent("hello-server")
                if isExecutableFile(candidate.path) { return candidate }
                if directory.path == "/" { break }
                directory = directory.deletingLastPathComponent()
            }
        }
        let fallback = URL(fileURLWithPath: files.currentDirectoryPath).appendingPathComponent(".build/debug/hello-server")
        return isExecutableFile(fallback.path) ? fallback : nil
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: path)
    }
}

extension ServerProcess {
    /// Everything a child writes to one pipe, collected by a background thread until EOF.
    ///
    /// Invariant: the thread owns the pipe's read end (nothing else reads or closes it) and
    /// closes it at EOF; readers only ever look at the collected bytes, so no reader blocks.
    final class Output: Sendable {
        private struct State {
            var bytes: [UInt8] = []
            var finished = false
        }

        private let state = Locked(State())

        /// Takes over `descriptor`, a pipe's read end, and collects from it until EOF.
        init(reading descriptor: Int32) {
            do {
                // Detached when this reference goes; it ends at EOF.
                _ = try JoinableThread(name: "server-output") { [self] in collect(from: descriptor) }
            } catch {
                close(descriptor)
                state.withLock { $0.finished = true }
            }
        }

        private func collect(from descriptor: Int32) {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    state.withLock { $0.bytes.append(contentsOf: buffer[0..<count]) }
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            close(descriptor)
            state.withLock { $0.finished = true }
        }

        var bytes: [UInt8] { state.withLock { $0.bytes } }
        var text: String { String(decoding: bytes, as: UTF8.self) }
        /// Whether the pipe reached EOF (every writer closed it).
        var isFinished: Bool { state.withLock { $0.finished } }

        /// The text's lines (without their newlines; a trailing partial line included).
        var lines: [String] {
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
            return lines
        }

        /// The first complete line, if one has arrived.
        var firstLine: String? {
            let bytes = self.bytes
            guard let newline = bytes.firstIndex(of: 0x0A) else { return nil }
            return String(decoding: bytes[..<newline], as: UTF8.self)
        }

        func waitUntilFinished(timeout: Double) {
            _ = eventually(within: timeout) { isFinished }
        }
    }
}
