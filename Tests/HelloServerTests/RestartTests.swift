import Foundation
import Glibc
import HelloServer
import LinuxIO
import TestSupport
import Testing

/// Zero-downtime restarts (issue 13, item 4): under a steady load of new connections, an old
/// process is replaced by a new one, and not one request fails.
///
/// - Socket activation: the service manager (here, the test) holds the listener across the
///   restart, so connection attempts between the two processes wait in its backlog.
/// - `--reuse-port`: the new process listens beside the old one, then the old one is stopped.
///   What its backlog holds when it closes is reset by the kernel, unless
///   `net.ipv4.tcp_migrate_req=1` hands it to the other listener: the old process drains its
///   backlog first (epoll and pool mode), but only the sysctl covers handshakes still under way.
@Suite(.timeLimit(.minutes(3)))
struct RestartTests {
    static let modes: [ServerMode] = [.epoll, .pool]

    /// `net.ipv4.tcp_migrate_req` (Linux 5.14): 1 moves an accept queue to another
    /// SO_REUSEPORT listener when its socket closes.
    static var migratesRequests: Bool {
        (try? String(contentsOfFile: "/proc/sys/net/ipv4/tcp_migrate_req", encoding: .utf8))?.hasPrefix("1") ?? false
    }

    /// Restarts per test: each has a small chance of hitting a race, so one is not enough to
    /// show there is none.
    static let restarts = 4
    /// Requests that must succeed before and after each restart: enough that the load runs
    /// across it (4 clients keep 4 requests in flight), few enough for the sanitizer runs.
    static let perPhase = 25

    /// Keep-alive only matters in epoll mode: the pool closes after every response.
    @Test("socket activation: restarts with the listener held lose no request",
          arguments: zip([ServerMode.epoll, .epoll, .pool], [false, true, false]))
    func restartWithAHeldListener(mode: ServerMode, keepAlive: Bool) throws {
        let listener = try Socket.listening(on: .resolve(host: "127.0.0.1", port: 0), backlog: 1024)
        let port = try listener.localAddress().port
        let activate = "export LISTEN_PID=$$ LISTEN_FDS=1"
        var current = try ServerProcess.start(["--mode", mode.rawValue], shell: activate, inheriting: [3: listener.rawValue])
        // Keep-alive: a response that promised to keep the connection must not be followed by a
        // close under the client's next request.
        let load = RequestLoop(port: port, keepAlive: keepAlive)
        defer { _ = try? load.stop() }  // whatever fails below, no client outlives the test
        #expect(load.waitForSuccesses(Self.perPhase), "the load runs")
        for _ in 0..<Self.restarts {
            current.signal(SIGTERM)
            #expect(try current.waitForExit(timeout: 10) == .exited(0))
            // Between the two processes nobody accepts: the attempts wait in the backlog.
            current = try ServerProcess.start(["--mode", mode.rawValue], shell: activate, inheriting: [3: listener.rawValue])
            #expect(load.waitForSuccesses(Self.perPhase), "the new process serves the load")
        }
        let totals = try load.stop()
        #expect(totals.failures.isEmpty, "\(totals.failures.count) of \(totals.succeeded + totals.failures.count) failed: \(totals.failures.prefix(5))")
        current.signal(SIGTERM)
        #expect(try current.waitForExit(timeout: 10) == .exited(0))
    }

    @Test("--reuse-port: start the new process, stop the old one: no request fails",
          .enabled(if: migratesRequests, "needs sysctl net.ipv4.tcp_migrate_req=1 (README, Scaling out); .ci/run sets it"),
          arguments: modes)
    func restartBesideTheOld(mode: ServerMode) throws {
        var current = try ServerProcess.start(["--mode", mode.rawValue, "--reuse-port"])
        let port = current.port
        let load = RequestLoop(port: port)
        defer { _ = try? load.stop() }
        #expect(load.waitForSuccesses(Self.perPhase), "the load runs")
        for _ in 0..<Self.restarts {
            let new = try ServerProcess.start(["--mode", mode.rawValue, "--reuse-port", "--port", String(port)])
            #expect(load.waitForSuccesses(Self.perPhase))
            current.signal(SIGTERM)
            #expect(try current.waitForExit(timeout: 10) == .exited(0))
            current = new
            #expect(load.waitForSuccesses(Self.perPhase), "the new process serves the load alone")
        }
        let totals = try load.stop()
        #expect(totals.failures.isEmpty, "\(totals.failures.count) of \(totals.succeeded + totals.failures.count) failed: \(totals.failures.prefix(5))")
        current.signal(SIGTERM)
        #expect(try current.waitForExit(timeout: 10) == .exited(0))
    }
}
