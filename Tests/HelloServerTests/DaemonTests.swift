import CLinux
import Foundation
import Glibc
import HelloServer
import LinuxIO
import TestSupport
import Testing

/// `--daemon` and `--pid-file` (README, Usage and Running as a service), with the real binary: the launcher
/// exits 0 with the listening line once the daemon serves, the pid file names the daemon,
/// SIGTERM stops it and removes the file, and every failure is reported by the launcher.
///
/// The daemon is no child of the test, so each test kills it (SIGKILL, via its pid) in a
/// `defer` should it fail midway. PID 1 here may not reap orphans, so "the process went
/// away" means kill(2) says ESRCH or /proc shows a zombie.
@Suite(.timeLimit(.minutes(3)))
struct DaemonTests {
    static let modes = ServerMode.allCases

    @Test(arguments: modes)
    func daemonServesAndStopsOnSIGTERM(mode: ServerMode) throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        let daemon = DaemonGuard(pidFile: directory.path("server.pid"))
        defer { daemon.kill() }
        let clock = ContinuousClock()
        let start = clock.now
        // Relative paths, from the launcher's working directory; the daemon runs in "/".
        let launcher = try Launcher.run(
            ["--daemon", "--mode", mode.rawValue, "--port", "0", "--pid-file", "server.pid", "--log-file", "server.log",
             "--access-log", "access.log"],
            in: directory.url)
        let elapsed = clock.now - start
        #expect(launcher.outcome == .exited(0), "stderr: \(launcher.stderr)")
        #expect(elapsed < .seconds(5), "the launcher took \(elapsed)")
        #expect(launcher.stderr.isEmpty, "stderr: \(launcher.stderr)")
        let lines = launcher.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines[1].isEmpty, "exactly the listening line on stdout: \(launcher.stdout.debugDescription)")
        let port = try #require(Launcher.port(inListeningLine: String(lines[0]), mode: mode), "\(launcher.stdout.debugDescription)")

        // The pid file names the daemon: alive, not the launcher, detached.
        let pidText = try CommandLineTests.contents(directory.path("server.pid"))
        let pid = try #require(Int32(pidText.trimmingCharacters(in: .newlines)), "pid file: \(pidText.debugDescription)")
        daemon.adopt(pid: pid)
        #expect(pidText == "\(pid)\n")
        #expect(pid != launcher.pid)
        #expect(kill(pid, 0) == 0, "the pid file names a live process")
        #expect(Self.executable(of: pid) == (try ServerProcess.executable().resolvingSymlinksInPath().path))
        #expect(getsid(pid) != pid, "not a session leader (second fork)")
        #expect(getsid(pid) != getsid(0), "in a session of its own (setsid)")
        #expect(Self.link("/proc/\(pid)/cwd") == "/", "the daemon runs in /")
        for stream in 0...2 { #expect(Self.link("/proc/\(pid)/fd/\(stream)") == "/dev/null", "standard stream \(stream)") }

        // It serves, and logs to the files named relative to the launcher's directory.
        let client = try TestClient(port: port, timeout: 10)
        try client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.bodyText.contains("Hi from Swift"))
        let log = directory.path("server.log")
        #expect(eventually(within: 5) { AccessLogTests.text(log).contains(String(lines[0])) },
                "server log: \(AccessLogTests.text(log).debugDescription)")
        let access = directory.path("access.log")
        #expect(eventually(within: 5) { AccessLogTests.text(access).contains("\"GET / HTTP/1.1\" 200 ") },
                "access log: \(AccessLogTests.text(access).debugDescription)")

        // SIGTERM: the pid file goes, then the process.
        #expect(kill(pid, SIGTERM) == 0)
        #expect(eventually(within: 10) { Self.isGone(pid) }, "the daemon still runs 10 s after SIGTERM")
        #expect(!FileManager.default.fileExists(atPath: directory.path("server.pid")), "the pid file is removed on clean exit")
        #expect(AccessLogTests.text(log).contains("shut down"), "server log: \(AccessLogTests.text(log).debugDescription)")
    }

    @Test(arguments: modes)
    func takenPortFailsInTheLauncher(mode: ServerMode) throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        let daemon = DaemonGuard(pidFile: directory.path("server.pid"))
        defer { daemon.kill() }
        let listener = try Socket.listening(on: try SocketAddress.resolve(host: "127.0.0.1", port: 0), backlog: 16)
        let port = try listener.localAddress().port
        let pidFile = directory.path("server.pid")
        let launcher = try Launcher.run(["--daemon", "--mode", mode.rawValue, "--port", String(port), "--pid-file", pidFile], in: directory.url)
        #expect(launcher.outcome == .exited(1))
        #expect(launcher.stdout.isEmpty)
        #expect(launcher.stderr.split(separator: "\n").contains("error: cannot listen on 127.0.0.1:\(port): Address already in use"),
                "stderr: \(launcher.stderr)")
        #expect(!FileManager.default.fileExists(atPath: pidFile))
        #expect(eventually(within: 3) { Self.processes(mentioning: directory.url.lastPathComponent).isEmpty }, "no daemon is left")
        #expect(try listener.localAddress().port == port)
    }

    @Test func livePidFileIsRefused() throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        let daemon = DaemonGuard(pidFile: directory.path("server.pid"))
        defer { daemon.kill() }
        let pidFile = directory.path("server.pid")
        let ours = getpid()
        try Data("\(ours)\n".utf8).write(to: URL(fileURLWithPath: pidFile))
        let launcher = try Launcher.run(["--daemon", "--port", "0", "--pid-file", pidFile], in: directory.url)
        #expect(launcher.outcome == .exited(1))
        #expect(launcher.stdout.isEmpty, "refused before listening")
        #expect(launcher.stderr.split(separator: "\n").contains("error: pid file \(pidFile) names running process \(ours)"),
                "stderr: \(launcher.stderr)")
        #expect(try CommandLineTests.contents(pidFile) == "\(ours)\n", "the other process's pid file is left alone")
        #expect(eventually(within: 3) { Self.processes(mentioning: directory.url.lastPathComponent).isEmpty }, "no daemon is left")
    }

    /// The same with a relative path: still refused (the message may name it either way).
    @Test func livePidFileGivenRelativeIsRefused() throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        let daemon = DaemonGuard(pidFile: directory.path("server.pid"))
        defer { daemon.kill() }
        let ours = getpid()
        try Data("\(ours)\n".utf8).write(to: URL(fileURLWithPath: directory.path("server.pid")))
        let launcher = try Launcher.run(["--daemon", "--port", "0", "--pid-file", "server.pid"], in: directory.url)
        #expect(launcher.outcome == .exited(1))
        #expect(launcher.stdout.isEmpty)
        #expect(launcher.stderr.split(separator: "\n").contains {
            $0.hasPrefix("error: pid file ") && $0.contains("server.pid names running process \(ours)")
        }, "stderr: \(launcher.stderr)")
        #expect(try CommandLineTests.contents(directory.path("server.pid")) == "\(ours)\n")
    }

    @Test func stalePidFileIsReplaced() throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        let daemon = DaemonGuard(pidFile: directory.path("server.pid"))
        defer { daemon.kill() }
        let dead = try CommandLineTests.deadPID()
        try Data("\(dead)\n".utf8).write(to: URL(fileURLWithPath: directory.path("server.pid")))
        let launcher = try Launcher.run(["--daemon", "--port", "0", "--pid-file", "server.pid"], in: directory.url)
        #expect(launcher.outcome == .exited(0), "stderr: \(launcher.stderr)")
        let port = try #require(Launcher.port(inListeningLine: launcher.stdout.trimmingCharacters(in: .newlines), mode: .epoll))
        let pidText = try CommandLineTests.contents(directory.path("server.pid"))
        let pid = try #require(Int32(pidText.trimmingCharacters(in: .newlines)), "pid file: \(pidText.debugDescription)")
        daemon.adopt(pid: pid)
        #expect(pid != dead && pid != launcher.pid)
        #expect(kill(pid, 0) == 0)
        let client = try TestClient(port: port, timeout: 10)
        try client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(try client.readResponse().status == 200)
        #expect(kill(pid, SIGTERM) == 0)
        #expect(eventually(within: 10) { Self.isGone(pid) })
        #expect(!FileManager.default.fileExists(atPath: directory.path("server.pid")))
    }

    /// The daemon's own failure (here: its pid file cannot be written) reaches the terminal.
    @Test func daemonFailureIsReportedByTheLauncher() throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        let daemon = DaemonGuard()
        defer { daemon.kill() }
        let pidFile = directory.path("no-such-directory/server.pid")
        let launcher = try Launcher.run(["--daemon", "--port", "0", "--pid-file", pidFile], in: directory.url)
        #expect(launcher.outcome == .exited(1))
        #expect(launcher.stdout.isEmpty, "no listening line when the daemon did not come up")
        #expect(launcher.stderr.split(separator: "\n").contains { $0.hasPrefix("error: ") && $0.contains(pidFile) }, "stderr: \(launcher.stderr)")
        #expect(eventually(within: 5) { Self.processes(mentioning: directory.url.lastPathComponent).isEmpty },
                "no daemon is left")
    }

    /// daemon(7): a daemon closes the descriptors it inherited (only the standard streams, now
    /// /dev/null, remain). A launcher's caller that waits for EOF on one it passed down (as
    /// Foundation's `Process` does to see its child exit) otherwise waits for the daemon's end.
    @Test func daemonKeepsNoInheritedDescriptor() throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        let daemon = DaemonGuard(pidFile: directory.path("server.pid"))
        defer { daemon.kill() }
        var ends: [Int32] = [-1, -1]
        #expect(clinux_pipe_cloexec(&ends) == 0)
        defer { close(ends[0]) }
        var info = stat()
        #expect(fstat(ends[0], &info) == 0)
        let launcher: Launcher
        do {
            defer { close(ends[1]) }
            launcher = try Launcher.run(["--daemon", "--port", "0", "--pid-file", "server.pid"], in: directory.url, inheriting: ends[1])
        }
        #expect(launcher.outcome == .exited(0), "stderr: \(launcher.stderr)")
        let pid = try #require(Int32((try? CommandLineTests.contents(directory.path("server.pid")))?.trimmingCharacters(in: .newlines) ?? ""))
        daemon.adopt(pid: pid)
        let pipe = "pipe:[\(info.st_ino)]"
        let held = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? [])
            .filter { Self.link("/proc/\(pid)/fd/\($0)") == pipe }
        #expect(held.isEmpty, "the daemon still holds the launcher's inherited pipe as descriptor \(held)")
        var poller = pollfd(fd: ends[0], events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, 3000)
        var byte: UInt8 = 0
        #expect(ready == 1 && read(ends[0], &byte, 1) == 0, "EOF on the inherited pipe once the launcher exited")
        #expect(kill(pid, SIGTERM) == 0)
        #expect(eventually(within: 10) { Self.isGone(pid) })
    }

    // MARK: Helpers

    /// A finished run of the launching process.
    struct Launcher {
        let pid: Int32
        let outcome: ServerProcess.Outcome
        let stdout: String
        let stderr: String

        /// Runs `hello-server arguments` in `directory` and waits (bounded) for it to exit.
        ///
        /// A `ChildProcess`: it holds no descriptor but the standard streams (and `inheriting`,
        /// as descriptor 9), and waitpid(2) sees the launcher exit whatever the daemon holds
        /// (Foundation's `Process` would wait for the daemon too if the daemon kept inherited
        /// descriptors; see `daemonKeepsNoInheritedDescriptor`).
        static func run(_ arguments: [String], in directory: URL, inheriting: Int32? = nil, timeout: Double = 10) throws -> Launcher {
            let server = try ServerProcess.executable().path
            let child = try ChildProcess(
                executable: server, arguments: [server] + arguments, directory: directory.path,
                inheriting: inheriting.map { [9: $0] } ?? [:])
            guard let outcome = child.waitForExit(timeout: timeout) else {
                child.killAndReap(timeout: 5)
                throw TestFailure("the launcher \(arguments) still ran after \(timeout) s; killed. stderr: \(child.stderr.text.debugDescription)")
            }
            // The daemon holds the pipes only until it points its streams at /dev/null.
            child.stdout.waitUntilFinished(timeout: 5)
            child.stderr.waitUntilFinished(timeout: 5)
            return Launcher(pid: child.pid, outcome: outcome, stdout: child.stdout.text, stderr: child.stderr.text)
        }

        /// The port of `listening on http://127.0.0.1:PORT (mode: MODE, workers: N)`.
        static func port(inListeningLine line: String, mode: ServerMode) -> UInt16? {
            let prefix = "listening on http://127.0.0.1:"
            let suffix = " (mode: \(mode.rawValue), workers: \(mode == .blocking ? 1 : 4))"
            guard line.hasPrefix(prefix), line.hasSuffix(suffix) else { return nil }
            return UInt16(line.dropFirst(prefix.count).dropLast(suffix.count))
        }
    }

    /// Kills the daemon a test started if it is still running when the test ends, whatever
    /// happened; it only ever signals a process running the hello-server executable.
    final class DaemonGuard {
        private let pidFile: String?
        private var pids: Set<Int32> = []

        /// Watches `pidFile` too: whatever pid it names when the test ends is killed.
        init(pidFile: String? = nil) { self.pidFile = pidFile }

        func adopt(pid: Int32) { pids.insert(pid) }

        func kill() {
            if let pidFile, let text = try? CommandLineTests.contents(pidFile),
               let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                pids.insert(pid)
            }
            guard let executable = try? ServerProcess.executable().resolvingSymlinksInPath().path else { return }
            for pid in pids where pid > 1 && DaemonTests.executable(of: pid) == executable {
                Glibc.kill(pid, SIGKILL)
                _ = eventually(within: 5) { DaemonTests.isGone(pid) }
            }
            pids = []
        }

        deinit { kill() }
    }

    /// Whether `pid` names no running process: none at all, or a zombie nobody reaped.
    static func isGone(_ pid: Int32) -> Bool {
        if Glibc.kill(pid, 0) == -1 && errno == ESRCH { return true }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let afterName = stat.range(of: ") ", options: .backwards)
        else { return true }
        return stat[afterName.upperBound...].hasPrefix("Z") || stat[afterName.upperBound...].hasPrefix("X")
    }

    /// The executable a process runs, from /proc (nil for a zombie or a process gone).
    static func executable(of pid: Int32) -> String? { link("/proc/\(pid)/exe") }

    static func link(_ path: String) -> String? { try? FileManager.default.destinationOfSymbolicLink(atPath: path) }

    /// Live processes whose command line contains `marker`.
    static func processes(mentioning marker: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard pid != getpid(), !isGone(pid),
                  let data = try? fileBytes(atPath: "/proc/\(pid)/cmdline")
            else { return false }
            return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self).contains(marker)
        }
    }
}
