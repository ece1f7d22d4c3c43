import Foundation
import Glibc
import HelloServer
import LinuxIO
import TestSupport
import Testing

/// Hostile clients and broken networks against the real binary: after every fault the server
/// still serves, and holds no more descriptors or threads than before.
@Suite(.timeLimit(.minutes(3)))
struct FaultTests {
    static let modes = ServerMode.allCases

    /// A directory with a large file, so a response is far bigger than the socket buffers.
    final class Site {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hello-faults-\(UUID().uuidString)")

        /// `bigSize` must exceed what loopback's autotuned send and receive buffers hold
        /// together (several MiB) where a test needs the server to block on a write.
        init(bigSize: Int = 8 << 20) throws {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            try Data("hello".utf8).write(to: root.appendingPathComponent("hello.html"))
            try Data(count: bigSize).write(to: root.appendingPathComponent("big.bin"))
        }

        deinit { try? FileManager.default.removeItem(at: root) }
    }

    /// Starts the server, records its descriptors and threads once it has served a request,
    /// runs `fault`, then checks it serves and is back to those counts (bounded wait).
    private func afterFault(
        _ mode: ServerMode, bigSize: Int = 8 << 20, _ fault: (ServerProcess, UInt16) throws -> Void
    ) throws {
        let site = try Site(bigSize: bigSize)
        let server = try ServerProcess.start(
            ["--mode", mode.rawValue, "--root", site.root.path, "--header-timeout", "1", "--workers", "2", "--sleep-ms", "300"])
        #expect(try server.get("/").status == 200)
        let descriptors = server.openDescriptors
        let threads = server.threadCount
        try fault(server, server.port)
        #expect(try server.get("/").status == 200, "still serves after the fault")
        let settled = eventually(within: 10) { server.openDescriptors <= descriptors }
        #expect(settled, "descriptors: \(descriptors) before, \(server.openDescriptors) after")
        #expect(server.threadCount == threads, "threads: \(threads) before, \(server.threadCount) after")
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 10) == .exited(0))
    }

    private func reset(_ client: TestClient) throws {
        try client.socket.setResetOnClose()
    }

    @Test(arguments: modes)
    func resetInTheMiddleOfARequest(mode: ServerMode) throws {
        try afterFault(mode) { _, port in
            for _ in 0..<50 {
                let client = try TestClient(port: port, timeout: 5)
                try client.send("GET /big.bin HTTP/1.1\r\nHost: h\r\nX-Half: ")
                try reset(client)
            }
        }
    }

    @Test(arguments: modes)
    func resetInTheMiddleOfALargeResponse(mode: ServerMode) throws {
        try afterFault(mode) { _, port in
            for _ in 0..<10 {
                let client = try TestClient(port: port, timeout: 5)
                try client.send("GET /big.bin HTTP/1.1\r\nHost: h\r\n\r\n")
                var received: [UInt8] = []
                var scratch = [UInt8](repeating: 0, count: 65_536)
                _ = try client.socket.read(appendingTo: &received, scratch: &scratch)
                try reset(client)
            }
        }
    }

    @Test(arguments: [ServerMode.epoll, .pool])
    func resetWhileQueuedForAWorker(mode: ServerMode) throws {
        try afterFault(mode) { server, port in
            // Both workers sleep; the next requests wait for one, and their clients give up.
            let sleepers = try (0..<2).map { _ in try TestClient(port: port, timeout: 5) }
            for sleeper in sleepers { try sleeper.send("GET /sleep HTTP/1.1\r\nHost: h\r\n\r\n") }
            usleep(50_000)
            for _ in 0..<20 {
                let client = try TestClient(port: port, timeout: 5)
                try client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
                try reset(client)
            }
            for sleeper in sleepers { #expect(try sleeper.readResponse(untilClose: false).status == 200) }
        }
    }

    @Test(arguments: modes)
    func halfCloseAfterSendingStillGetsTheAnswer(mode: ServerMode) throws {
        try afterFault(mode) { _, port in
            for _ in 0..<10 {
                let client = try TestClient(port: port, timeout: 5)
                try client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
                try client.socket.shutdown(.write)
                #expect(try TestResponse(parsing: client.readToEnd()).status == 200)
            }
        }
    }

    @Test(arguments: modes)
    func aClientThatNeverReadsIsClosedByTheWriteDeadline(mode: ServerMode) throws {
        try afterFault(mode, bigSize: 64 << 20) { server, port in
            let stuck = try TestClient(port: port, timeout: 5)
            try stuck.send("GET /big.bin HTTP/1.1\r\nHost: h\r\n\r\n")
            // Once the kernel stops growing the socket buffers, a whole --header-timeout (1 s)
            // passes without write progress: the write deadline fires, in every mode.
            let fired = eventually(within: 20) {
                let metrics = try? server.get("/metrics", timeout: 10).bodyText
                return metrics?.contains("hello_timeouts_total{kind=\"write\"} 1\n") ?? false
            }
            #expect(fired, "the write deadline fired")
            // The connection was abandoned; the client finds a prefix, then the end.
            let (received, closed) = stuck.drainUntilServerCloses()
            #expect(closed, "not closed by the write deadline")
            #expect(received < 64 << 20)
        }
    }

    @Test(arguments: modes)
    func aThousandConnectionsOpenedAndDroppedInABurst(mode: ServerMode) throws {
        try afterFault(mode) { _, port in
            var burst: [TestClient] = []
            for index in 0..<1000 {
                let client = try TestClient(port: port, timeout: 5)
                if index % 2 == 0 { try reset(client) }
                burst.append(client)
            }
            burst.removeAll()
        }
    }
}
