import Foundation
import Glibc
import HelloServer
import LinuxIO
import TestSupport
import Testing

/// The `Type=notify` protocol (issue 13, item 3): the server tells `$NOTIFY_SOCKET` when it is
/// ready, reloading and stopping. The test is the service manager: it binds the datagram
/// socket itself and reads what the server sends.
@Suite(.timeLimit(.minutes(3)))
struct ServiceNotifyTests {
    /// A Unix datagram socket bound where `$NOTIFY_SOCKET` will point, as systemd's is.
    final class NotifySocket {
        let fd: Int32
        let name: String

        /// Bound to `path`, or with `abstract`, to that name in the abstract namespace.
        init(path: String? = nil, abstract: String? = nil) throws {
            let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw TestFailure("socket(AF_UNIX): \(errno)") }
            self.fd = fd
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = abstract.map { [0] + Array($0.utf8) } ?? Array(path!.utf8)
            withUnsafeMutableBytes(of: &address.sun_path) { sunPath in
                for (index, byte) in bytes.enumerated() { sunPath[index] = byte }
            }
            let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + bytes.count)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            guard bound == 0 else {
                close(fd)
                throw TestFailure("bind(AF_UNIX): \(String(cString: strerror(errno)))")
            }
            name = abstract.map { "@" + $0 } ?? path!
        }

        deinit { close(fd) }

        /// The next datagram as its lines, or `nil` when none comes within `timeout` seconds.
        func next(within timeout: Double = 10) -> [String]? {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, Int32(timeout * 1000)) == 1 else { return nil }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count >= 0 else { return nil }
            return String(decoding: buffer[..<count], as: UTF8.self).split(separator: "\n").map(String.init)
        }
    }

    static func start(_ arguments: [String], notifying socket: NotifySocket) throws -> ServerProcess {
        try ServerProcess.start(arguments, shell: "export NOTIFY_SOCKET='\(socket.name)'")
    }

    @Test("READY=1 once listening, RELOADING=1 then READY=1 around SIGHUP, STOPPING=1 on SIGTERM", arguments: ServerMode.allCases)
    func reportsEachStateChange(mode: ServerMode) throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        let socket = try NotifySocket(path: directory.path("notify"))
        let server = try Self.start(["--mode", mode.rawValue], notifying: socket)
        let ready = try #require(socket.next())
        #expect(ready == ["READY=1", "STATUS=\(server.listeningLine)", "MAINPID=\(server.pid)"])
        #expect(try server.get().status == 200, "ready means serving")

        server.signal(SIGHUP)
        let reloading = try #require(socket.next())
        #expect(reloading.first == "RELOADING=1")
        // systemd (253 and later) checks the reload against its own monotonic clock.
        let stamp = try #require(reloading.first { $0.hasPrefix("MONOTONIC_USEC=") }.flatMap { Int($0.dropFirst(15)) })
        #expect(abs(stamp - ServiceNotifier.monotonicMicroseconds) < 10_000_000)
        #expect(try #require(socket.next()).first == "READY=1", "ready again after the reload")

        server.signal(SIGTERM)
        #expect(try #require(socket.next()).first == "STOPPING=1")
        #expect(try server.waitForExit(timeout: 10) == .exited(0))
        #expect(socket.next(within: 0.2) == nil, "nothing after STOPPING=1")
    }

    /// systemd watches the process it started, the launcher: `READY=1` must come from it, and name
    /// the daemon as the new main process, whose STOPPING=1 then counts (NotifyAccess=main).
    @Test("--daemon: the launcher says READY=1 with MAINPID= the daemon's pid, and the daemon alone says STOPPING=1")
    func daemonIsAnnouncedByItsLauncher() throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        let socket = try NotifySocket(path: directory.path("notify"))
        let pidFile = directory.path("server.pid")
        let daemon = DaemonTests.DaemonGuard(pidFile: pidFile)
        defer { daemon.kill() }
        let launcher = try ServerProcess.runToExit(["--daemon", "--pid-file", pidFile], shell: "export NOTIFY_SOCKET='\(socket.name)'")
        #expect(try launcher.waitForExit(timeout: 10) == .exited(0), "stderr: \(launcher.stderr.text)")
        let pid = try #require(Int32(try CommandLineTests.contents(pidFile).trimmingCharacters(in: .newlines)))
        let ready = try #require(socket.next())
        #expect(ready.first == "READY=1")
        #expect(ready.contains("MAINPID=\(pid)"), "\(ready)")
        #expect(pid != launcher.pid)
        #expect(socket.next(within: 0.3) == nil, "one READY=1, from the launcher")
        kill(pid, SIGTERM)
        #expect(try #require(socket.next()).first == "STOPPING=1")
    }

    @Test("an abstract-namespace NOTIFY_SOCKET (@name) is reached too")
    func abstractSocket() throws {
        let socket = try NotifySocket(abstract: "hello-server-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let server = try Self.start([], notifying: socket)
        #expect(try #require(socket.next()).first == "READY=1")
        server.signal(SIGTERM)
        #expect(try #require(socket.next()).first == "STOPPING=1")
        #expect(try server.waitForExit(timeout: 10) == .exited(0))
    }

    @Test("a server that cannot listen never says READY=1: it exits 1 (systemctl start fails)")
    func noReadinessWithoutAListener() throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        let socket = try NotifySocket(path: directory.path("notify"))
        let holder = try Socket.listening(on: .resolve(host: "127.0.0.1", port: 0), backlog: 8)
        let port = try holder.localAddress().port
        let server = try ServerProcess.runToExit(["--port", String(port)], shell: "export NOTIFY_SOCKET='\(socket.name)'")
        #expect(try server.waitForExit(timeout: 10) == .exited(1))
        #expect(server.stderr.lines == ["error: cannot listen on 127.0.0.1:\(port): Address already in use"])
        #expect(socket.next(within: 0.2) == nil)
    }

    @Test("a NOTIFY_SOCKET nobody listens on, or that is no socket address: a warning, and the server serves")
    func unreachableNotifySocketIsNotFatal() throws {
        for (value, warning) in [
            ("/nonexistent/notify", "cannot notify the service manager at /nonexistent/notify: sendto(NOTIFY_SOCKET): No such file or directory"),
            ("vsock:2:1234", "service notification off: NOTIFY_SOCKET=vsock:2:1234 is neither an absolute path nor @abstract (vsock is not supported)"),
        ] {
            let server = try ServerProcess.start([], shell: "export NOTIFY_SOCKET='\(value)'")
            #expect(try server.get().status == 200)
            server.signal(SIGTERM)
            #expect(try server.waitForExit(timeout: 10) == .exited(0))
            #expect(server.stderr.lines.contains { $0.hasSuffix("warning hello-server: \(warning)") }, "stderr: \(server.stderr.text)")
        }
    }
}
