import Foundation
import Glibc
import HelloServer
import LinuxIO
import TestSupport
import Testing
import ThreadPool

/// The command line and its lifecycle (README, Usage), checked against the real
/// `hello-server` binary running as a child process.
@Suite(.timeLimit(.minutes(3)))
struct CommandLineTests {
    static let modes = ServerMode.allCases

    // MARK: Startup line

    struct StartupCase: Sendable, CustomTestStringConvertible {
        let arguments: [String]
        let mode: String
        let workers: Int
        var testDescription: String { arguments.joined(separator: " ") }
    }

    @Test(arguments: [
        StartupCase(arguments: ["--mode", "pool", "--workers", "3"], mode: "pool", workers: 3),
        StartupCase(arguments: ["--mode", "pool"], mode: "pool", workers: 4),
        StartupCase(arguments: ["--mode", "blocking"], mode: "blocking", workers: 1),
        StartupCase(arguments: ["--mode", "blocking", "--workers", "8"], mode: "blocking", workers: 1),
    ])
    func startupLineIsExactAndAlone(_ startup: StartupCase) throws {
        let server = try ServerProcess.start(startup.arguments)
        #expect(server.port != 0)
        #expect(server.listeningLine == "listening on http://127.0.0.1:\(server.port) (mode: \(startup.mode), workers: \(startup.workers))")
        #expect(try server.get("/").status == 200)
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 5) == .exited(0))
        #expect(server.stdout.text == server.listeningLine + "\n", "the listening line is the only stdout output")
    }

    @Test(arguments: modes)
    func ipv6HostIsBracketed(mode: ServerMode) throws {
        let server = try ServerProcess.start(["--mode", mode.rawValue, "--host", "::1"])
        #expect(server.listeningLine == "listening on http://[::1]:\(server.port) (mode: \(mode.rawValue), workers: \(mode == .blocking ? 1 : 4))")
        let response = try server.get("/")
        #expect(response.status == 200)
        #expect(response.bodyText.contains("Hi from Swift"))
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 5) == .exited(0))
        #expect(server.stdout.text == server.listeningLine + "\n")
    }

    @Test func hostNameIsResolved() throws {
        let server = try ServerProcess.start(["--mode", "pool", "--host", "localhost"])
        #expect(["127.0.0.1", "[::1]"].contains(server.host), "localhost resolved to \(server.host)")
        #expect(server.listeningLine == "listening on http://\(server.host):\(server.port) (mode: pool, workers: 4)")
        let response = try server.get("/")
        #expect(response.status == 200)
        #expect(response.bodyText.contains("Hi from Swift"))
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 5) == .exited(0))
        #expect(server.stdout.text == server.listeningLine + "\n")
    }

    // MARK: Usage errors

    @Test(arguments: [
        ["--bogus"],
        ["--workers", "0"],
        ["--workers", "-1"],
        ["--workers", "many"],
        ["--port", "70000"],
        ["--port", "-1"],
        ["--port", "abc"],
        ["--mode", "fast"],
        ["--header-timeout", "0"],
        ["--keep-alive-timeout", "-1"],
        ["--max-connections", "0"],
        ["--log-level", "loud"],
        ["--status", "maybe"],
        ["extra-argument"],
    ])
    func usageErrorExits64(arguments: [String]) throws {
        // A valid mode, so only the bad option can explain the exit.
        let all = arguments.contains("--mode") ? arguments : ["--mode", "pool"] + arguments
        let server = try ServerProcess.runToExit(all)
        #expect(try server.waitForExit(timeout: 10) == .exited(64), "stderr: \(server.stderr.text)")
        #expect(server.stdout.text.isEmpty)
        #expect(!server.stderr.text.isEmpty, "a usage error says what is wrong")
    }

    @Test func epollModeIsTheDefault() throws {
        let server = try ServerProcess.start(["--workers", "2"])
        #expect(server.listeningLine == "listening on http://127.0.0.1:\(server.port) (mode: epoll, workers: 2)")
        #expect(try server.get("/").status == 200)
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 5) == .exited(0))
    }

    // MARK: Cannot listen

    @Test(arguments: modes)
    func portInUseExits1(mode: ServerMode) throws {
        let listener = try Socket.listening(on: try SocketAddress.resolve(host: "127.0.0.1", port: 0), backlog: 16)
        let port = try listener.localAddress().port
        let server = try ServerProcess.runToExit(["--mode", mode.rawValue, "--port", String(port)])
        #expect(try server.waitForExit(timeout: 10) == .exited(1))
        #expect(server.stdout.text.isEmpty)
        #expect(server.stderr.lines.contains("error: cannot listen on 127.0.0.1:\(port): Address already in use"),
                "stderr: \(server.stderr.text)")
        // Still ours: the listener stayed open throughout.
        #expect(try listener.localAddress().port == port)
    }

    @Test(arguments: ["missing", "file"])
    func rootThatIsNotADirectoryIsRefused(kind: String) throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        let root = directory.path(kind == "missing" ? "no-such-dir" : "a-file.html")
        if kind == "file" { try Data("<p>hi</p>".utf8).write(to: URL(fileURLWithPath: root)) }
        let server = try ServerProcess.runToExit(["--mode", "pool", "--root", root])
        let outcome = try server.waitForExit(timeout: 10)
        #expect(outcome == .exited(1), "it cannot serve: exit 1, like a port it cannot listen on")
        #expect(server.stdout.text.isEmpty)
        #expect(server.stderr.lines.contains { $0.hasPrefix("error: ") && $0.contains(root) }, "stderr: \(server.stderr.text)")
    }

    // MARK: Signals

    @Test(arguments: modes, [SIGTERM, SIGINT])
    func signalStopsIdleServer(mode: ServerMode, signal: Int32) throws {
        let server = try ServerProcess.start(["--mode", mode.rawValue])
        #expect(try server.get("/").status == 200)
        server.signal(signal)
        #expect(try server.waitForExit(timeout: 3) == .exited(0))
        #expect(server.stdout.text == server.listeningLine + "\n")
    }

    @Test(arguments: modes, [SIGTERM, SIGINT])
    func signalRightAfterStartStopsServer(mode: ServerMode, signal: Int32) throws {
        let server = try ServerProcess.start(["--mode", mode.rawValue])
        server.signal(signal)
        #expect(try server.waitForExit(timeout: 3) == .exited(0))
    }

    @Test(arguments: modes)
    func gracefulShutdownFinishesSleepInProgress(mode: ServerMode) throws {
        let server = try ServerProcess.start(["--mode", mode.rawValue, "--sleep-ms", "1500"])
        let port = server.port
        let sleeper = Background { () throws -> TestResponse in
            let client = try TestClient(port: port, timeout: 10)
            try client.send("GET /sleep HTTP/1.1\r\nHost: localhost\r\n\r\n")
            return try client.readResponse()
        }
        usleep(300_000)
        server.signal(SIGTERM)
        usleep(200_000)
        #expect(server.isRunning, "the /sleep in progress holds the shutdown")
        #expect(Self.refusesNewRequest(port: port), "no new connection is served after SIGTERM")
        let response = try sleeper.wait(timeout: 10)
        #expect(response.status == 200)
        #expect(response.header("Connection") == "close")
        #expect(response.bodyText.contains("Hi from Swift"))
        #expect(try server.waitForExit(timeout: 5) == .exited(0))
        #expect(server.stdout.text == server.listeningLine + "\n")
    }

    @Test("an idle server stops on SIGTERM promptly and logs nothing worse than info", arguments: modes)
    func idleShutdownIsQuickAndQuiet(mode: ServerMode) throws {
        let server = try ServerProcess.start(["--mode", mode.rawValue])
        #expect(try server.get().status == 200)
        let clock = ContinuousClock()
        let start = clock.now
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 5) == .exited(0))
        // Nothing waits for the grace or a client; the bound leaves room for a sanitizer's exit
        // (about 1 s under TSan).
        #expect(clock.now - start < .seconds(3))
        let levels = server.stderr.lines.filter { !$0.isEmpty }.map { $0.split(separator: " ").dropFirst().first.map(String.init) ?? "" }
        #expect(levels.allSatisfy { $0 == "info" }, "stderr: \(server.stderr.text)")
    }

    @Test(arguments: modes)
    func silentConnectionDoesNotDelayShutdown(mode: ServerMode) throws {
        let server = try ServerProcess.start(["--mode", mode.rawValue, "--header-timeout", "30"])
        let client = try TestClient(port: server.port, timeout: 10)
        usleep(200_000)  // accepted by now
        let clock = ContinuousClock()
        let start = clock.now
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 5) == .exited(0))
        let elapsed = clock.now - start
        #expect(elapsed < .milliseconds(1500), "shutdown took \(elapsed) with a silent connection open")
        #expect(try client.isClosedByServer(within: 2))
    }

    @Test(arguments: modes, [SIGTERM, SIGINT])
    func secondSignalExitsAtOnce(mode: ServerMode, second: Int32) throws {
        let server = try ServerProcess.start(["--mode", mode.rawValue, "--sleep-ms", "5000"])
        let port = server.port
        let sleeper = Background { () throws -> [UInt8] in
            let client = try TestClient(port: port, timeout: 10)
            try client.send("GET /sleep HTTP/1.1\r\nHost: localhost\r\n\r\n")
            return try client.readToEnd()
        }
        usleep(300_000)
        server.signal(SIGTERM)
        usleep(300_000)
        #expect(server.isRunning, "the first SIGTERM waits for the /sleep")
        let clock = ContinuousClock()
        let start = clock.now
        server.signal(second)
        let outcome = try server.waitForExit(timeout: 3)
        let elapsed = clock.now - start
        #expect(outcome != .exited(0), "a second signal exits with a non-zero status")
        #expect(elapsed < .seconds(2), "exited \(elapsed) after the second signal")
        // The abandoned client sees the connection end (EOF or reset) rather than a response.
        switch Result(catching: { try sleeper.wait(timeout: 10) }) {
        case .success(let bytes): #expect(bytes.isEmpty, "no response after a forced exit")
        case .failure(let error): #expect(!(error is TestFailure), "\(error)")
        }
    }

    @Test(arguments: modes)
    func vanishingClientsDoNotKillServer(mode: ServerMode) throws {
        let server = try ServerProcess.start(["--mode", mode.rawValue, "--sleep-ms", "20"])
        #expect(Self.ignoresSIGPIPE(pid: server.pid), "SIGPIPE is ignored in the server process")
        for round in 0..<50 {
            // A /sleep answer is written after the reset has arrived: EPIPE/ECONNRESET, not SIGPIPE.
            let path = round.isMultiple(of: 2) ? "/" : "/sleep"
            let client = try TestClient(port: server.port, timeout: 10)
            try client.send("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            try client.socket.setResetOnClose()
        }
        usleep(200_000)
        #expect(server.isRunning, "stderr: \(server.stderr.text)")
        let response = try server.get("/")
        #expect(response.status == 200)
        #expect(response.bodyText.contains("Hi from Swift"))
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 5) == .exited(0))
    }

    // MARK: --pid-file

    @Test(arguments: modes)
    func pidFileNamesServerAndIsRemoved(mode: ServerMode) throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        let pidFile = directory.path("server.pid")
        let server = try ServerProcess.start(["--mode", mode.rawValue, "--pid-file", pidFile])
        #expect(try Self.contents(pidFile) == "\(server.pid)\n")
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 5) == .exited(0))
        #expect(!FileManager.default.fileExists(atPath: pidFile), "removed on clean exit")
    }

    @Test func pidFileNamingLiveProcessIsRefused() throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        let pidFile = directory.path("server.pid")
        let ours = getpid()
        try Data("\(ours)\n".utf8).write(to: URL(fileURLWithPath: pidFile))
        let server = try ServerProcess.runToExit(["--mode", "pool", "--pid-file", pidFile])
        #expect(try server.waitForExit(timeout: 10) == .exited(1))
        #expect(server.stdout.text.isEmpty, "refused before listening")
        #expect(server.stderr.lines.contains("error: pid file \(pidFile) names running process \(ours)"),
                "stderr: \(server.stderr.text)")
        #expect(try Self.contents(pidFile) == "\(ours)\n", "the other process's pid file is left alone")
    }

    @Test func stalePidFileIsReplaced() throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        let pidFile = directory.path("server.pid")
        let dead = try Self.deadPID()
        try Data("\(dead)\n".utf8).write(to: URL(fileURLWithPath: pidFile))
        let server = try ServerProcess.start(["--mode", "pool", "--pid-file", pidFile])
        #expect(try Self.contents(pidFile) == "\(server.pid)\n")
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 5) == .exited(0))
        #expect(!FileManager.default.fileExists(atPath: pidFile))
    }

    // MARK: --log-file

    @Test func logFileIsReopenedOnSIGHUP() throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        let log = directory.path("server.log")
        let rotated = directory.path("server.log.1")
        let server = try ServerProcess.start(["--mode", "pool", "--log-file", log])
        #expect(eventually(within: 5) { ((try? Self.contents(log)) ?? "").contains(server.listeningLine) },
                "the startup line is logged to the log file")

        try FileManager.default.moveItem(atPath: log, toPath: rotated)
        server.signal(SIGHUP)
        #expect(eventually(within: 5) { FileManager.default.fileExists(atPath: log) },
                "SIGHUP creates a new file at the log path")
        let rotatedBefore = try Self.contents(rotated)
        let freshBefore = try Self.contents(log)
        #expect(try server.get("/").status == 200)

        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 5) == .exited(0))
        let fresh = try Self.contents(log)
        #expect(fresh.count > freshBefore.count, "the shutdown lines go to the new file: \(fresh.debugDescription)")
        #expect(fresh.contains("shut"), "shutdown is logged: \(fresh.debugDescription)")
        #expect(try Self.contents(rotated) == rotatedBefore, "nothing more goes to the renamed file")
        #expect(rotatedBefore.contains(server.listeningLine))
        #expect(server.stderr.text.isEmpty, "the log goes to the file, not stderr: \(server.stderr.text)")
        #expect(server.stdout.text == server.listeningLine + "\n")
    }

    // MARK: Helpers

    /// After SIGTERM: a new connection is refused, or closed (EOF or reset) without a response.
    static func refusesNewRequest(port: UInt16) -> Bool {
        let client: TestClient
        do { client = try TestClient(port: port, timeout: 5) } catch { return true }
        do {
            try client.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            return try client.readToEnd().isEmpty
        } catch {
            return !(error is TestFailure)  // a reset, not a timeout
        }
    }

    /// Whether /proc/PID/status lists SIGPIPE among the ignored signals.
    static func ignoresSIGPIPE(pid: Int32) -> Bool {
        guard let status = try? contents("/proc/\(pid)/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigIgn:") }),
              let mask = UInt64(line.dropFirst("SigIgn:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return false }
        return mask & (1 << UInt64(SIGPIPE - 1)) != 0
    }

    static func contents(_ path: String) throws -> String {
        String(decoding: try fileBytes(atPath: path), as: UTF8.self)
    }

    /// A pid no process has: that of a child this test started and reaped.
    static func deadPID() throws -> Int32 {
        let child = try ServerProcess.runToExit(["--bogus"])
        for pid in [child.pid, 999_999, 4_000_000] where kill(pid, 0) == -1 && errno == ESRCH {
            return pid
        }
        throw TestFailure("no free pid found")
    }
}
