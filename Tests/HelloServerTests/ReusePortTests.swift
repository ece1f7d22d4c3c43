import Foundation
import Glibc
import HelloServer
import LinuxIO
import TestSupport
import Testing

/// `--reuse-port` (issue 13, item 1): several processes listen on one port with SO_REUSEPORT, and
/// the kernel spreads new connections across them. Each process writes its own access log, so
/// the logs tell which process answered each request.
@Suite(.timeLimit(.minutes(3)))
struct ReusePortTests {
    static let modes: [ServerMode] = [.epoll, .pool]

    @Test("two processes with --reuse-port share a port, and both answer", arguments: modes)
    func twoProcessesShareThePort(mode: ServerMode) throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        let first = try ServerProcess.start(["--mode", mode.rawValue, "--reuse-port", "--access-log", directory.path("first.log")])
        let second = try ServerProcess.start(
            ["--mode", mode.rawValue, "--reuse-port", "--port", String(first.port), "--access-log", directory.path("second.log")])
        #expect(second.port == first.port)
        // A new connection per request: the kernel picks a listener for each (by a hash of the
        // client's address and port), so 60 of them all going to one process would be a 2^-59 event.
        let requests = 60
        for _ in 0..<requests {
            let response = try AccessLogTests.exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", port: first.port)
            #expect(response.status == 200)
        }
        for server in [first, second] {
            server.signal(SIGTERM)
            #expect(try server.waitForExit(timeout: 10) == .exited(0))
        }
        let answered = [try AccessLogTests.lines(directory.path("first.log")).count,
                        try AccessLogTests.lines(directory.path("second.log")).count]
        #expect(answered.reduce(0, +) == requests)
        #expect(answered.allSatisfy { $0 > 0 }, "one process answered everything: \(answered)")
    }

    @Test("without --reuse-port a second process cannot listen on the port: exit 1")
    func withoutTheFlagTheSecondIsRefused() throws {
        let first = try ServerProcess.start(["--reuse-port"])
        let second = try ServerProcess.runToExit(["--port", String(first.port)])
        #expect(try second.waitForExit(timeout: 10) == .exited(1))
        #expect(second.stderr.lines.contains("error: cannot listen on 127.0.0.1:\(first.port): Address already in use"),
                "stderr: \(second.stderr.text)")
        #expect(try first.get().status == 200, "the first still serves")
        first.signal(SIGTERM)
        #expect(try first.waitForExit(timeout: 10) == .exited(0))
    }
}
