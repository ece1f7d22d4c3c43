import Foundation
import Glibc
import HelloServer
import LinuxIO
import TestSupport
import Testing

/// Socket activation (issue 13, item 2): a service manager binds the listener and passes it as
/// descriptor 3 with `LISTEN_FDS=1` and `LISTEN_PID` (sd_listen_fds(3)). Here the test plays
/// the service manager: it listens on an ephemeral port itself and hands the socket down; bash
/// sets `LISTEN_PID=$$` and execs the server, which keeps bash's pid.
@Suite(.timeLimit(.minutes(3)))
struct SocketActivationTests {
    static let activate = "export LISTEN_PID=$$ LISTEN_FDS=1"

    /// A listener as systemd makes one for `ListenStream=127.0.0.1:0`.
    static func systemdListener() throws -> Socket {
        try Socket.listening(on: .resolve(host: "127.0.0.1", port: 0), backlog: 128)
    }

    @Test("the inherited listener is served, in every mode, and is still listening after the server exits", arguments: ServerMode.allCases)
    func servesTheInheritedListener(mode: ServerMode) throws {
        let listener = try Self.systemdListener()
        let port = try listener.localAddress().port
        let server = try ServerProcess.start(["--mode", mode.rawValue], shell: Self.activate, inheriting: [3: listener.rawValue])
        #expect(server.port == port, "the listening line names the inherited socket: \(server.listeningLine)")
        #expect(try server.get().status == 200)
        #expect(server.stderr.text.contains("socket activation: serving the inherited listener on 127.0.0.1:\(port)"))
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 10) == .exited(0))
        // The service manager's socket is untouched: a new connection still lands in its backlog
        // (a shutdown(2) of the shared socket, as the book's modes do to their own, would refuse it).
        let waiting = try TestClient(port: port, timeout: 2)
        try waiting.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        var readable = pollfd(fd: listener.rawValue, events: Int16(POLLIN), revents: 0)
        #expect(poll(&readable, 1, 2000) == 1, "the backlog holds the new connection")
    }

    @Test("LISTEN_PID naming another process is ignored: the server binds its own port")
    func anotherProcessesSocketsAreIgnored() throws {
        let listener = try Self.systemdListener()
        let inheritedPort = try listener.localAddress().port
        let server = try ServerProcess.start([], shell: "export LISTEN_PID=1 LISTEN_FDS=1", inheriting: [3: listener.rawValue])
        #expect(server.port != inheritedPort)
        #expect(try server.get().status == 200)
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 10) == .exited(0))
    }

    /// A listening socket's descriptor, for the caller to close.
    @Sendable static func listeningDescriptor() throws -> Int32 {
        let listener = try systemdListener()
        return dup(listener.rawValue)
    }

    /// What a misconfigured unit can pass down, and the one-line error each gets.
    struct Refusal: CustomTestStringConvertible, Sendable {
        let name: String
        let shell: String
        let descriptor: @Sendable () throws -> Int32
        let error: String
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(name: "a file", shell: activate, descriptor: { open("/etc/hostname", O_RDONLY | O_CLOEXEC) },
                error: "error: socket activation: descriptor 3 is not a socket"),
        Refusal(name: "a UDP socket (ListenDatagram=)", shell: activate, descriptor: { socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) },
                error: "error: socket activation: descriptor 3 is not a TCP socket (ListenDatagram?)"),
        Refusal(name: "a TCP socket that is not listening", shell: activate, descriptor: { socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) },
                error: "error: socket activation: descriptor 3 is a TCP socket that is not listening"),
        Refusal(name: "a Unix stream socket", shell: activate, descriptor: { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) },
                error: "error: socket activation: descriptor 3 is not an IPv4 or IPv6 socket (a Unix socket?)"),
        Refusal(name: "two sockets", shell: "export LISTEN_PID=$$ LISTEN_FDS=2 LISTEN_FDNAMES=web:admin", descriptor: listeningDescriptor,
                error: "error: socket activation: 2 sockets were passed (web:admin); hello-server serves exactly one (one ListenStream= in the .socket unit)"),
        Refusal(name: "a malformed count", shell: "export LISTEN_PID=$$ LISTEN_FDS=three", descriptor: listeningDescriptor,
                error: "error: socket activation: LISTEN_FDS=three is not a number"),
        Refusal(name: "a malformed LISTEN_PID", shell: "export LISTEN_PID=me LISTEN_FDS=1", descriptor: listeningDescriptor,
                error: "error: socket activation: LISTEN_PID=me is not a number"),
    ]

    @Test("a descriptor that is not one listening TCP socket: a one-line error and exit 1", arguments: refusals)
    func refusesWhatItCannotServe(_ refusal: Refusal) throws {
        let fd = try refusal.descriptor()
        #expect(fd >= 0)
        defer { close(fd) }
        let server = try ServerProcess.runToExit([], shell: refusal.shell, inheriting: [3: fd])
        #expect(try server.waitForExit(timeout: 10) == .exited(1))
        #expect(server.stderr.lines == [refusal.error], "stderr: \(server.stderr.text)")
        #expect(server.stdout.text.isEmpty)
    }

    /// The tool Debian's systemd package ships for trying socket activation by hand: it binds,
    /// sets the variables and execs the server.
    static let systemdSocketActivate = "/usr/bin/systemd-socket-activate"

    @Test("systemd-socket-activate's socket is served", .enabled(if: FileManager.default.isExecutableFile(atPath: systemdSocketActivate), "needs systemd-socket-activate (apt-get install systemd)"))
    func servesUnderSystemdSocketActivate() throws {
        // The tool needs a port number: take a free one from the kernel, then let it bind that;
        // if something took the port in between, the tool exits, and another is tried.
        var launched: (child: ChildProcess, port: UInt16)?
        for _ in 0..<5 where launched == nil {
            let port = try Self.systemdListener().localAddress().port
            let child = try ChildProcess(
                executable: Self.systemdSocketActivate,
                arguments: [Self.systemdSocketActivate, "--listen=127.0.0.1:\(port)", try ServerProcess.executable().path, "--mode", "epoll"])
            if eventually(within: 10, { child.stderr.text.contains("Listening on") || !child.isRunning }), child.isRunning {
                launched = (child, port)
            } else {
                child.killAndReap(timeout: 5)
            }
        }
        let (child, port) = try #require(launched, "systemd-socket-activate could not listen on a free port")
        defer { child.killAndReap(timeout: 5) }
        // The tool listens first, and execs the server at the first connection, which waits in
        // the backlog meanwhile.
        var connected: TestClient?
        #expect(eventually(within: 10) {
            connected = try? TestClient(port: port, timeout: 10)
            return connected != nil
        }, "systemd-socket-activate listens on \(port); stderr: \(child.stderr.text)")
        let client = try #require(connected)
        try client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(try client.readResponse().status == 200)
        #expect(eventually(within: 10) { child.stdout.text.hasPrefix("listening on http://127.0.0.1:\(port) (mode: epoll") }, "stdout: \(child.stdout.text)")
        child.signal(SIGTERM)
        #expect(child.waitForExit(timeout: 10) == .exited(0))
    }
}
