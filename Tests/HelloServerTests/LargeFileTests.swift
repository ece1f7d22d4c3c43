import Foundation
import Glibc
import LinuxIO
import TestSupport
import Testing

/// Files are sent from the file (sendfile), never from a whole-file copy (Docs/HTTP.md, Files):
/// memory stays bounded with slow readers of a big file, a worker is free while they read, a
/// file that shrinks ends its download cleanly, and pipelined answers stay in order.
@Suite(.timeLimit(.minutes(3)))
final class LargeFileTests {
    let directory: TempDirectory
    static let gibibyte = 1 << 30

    init() throws {
        directory = try TempDirectory()
        // Sparse: a GiB of zeros that takes no disk space.
        let big = directory.path("big.bin")
        #expect(FileManager.default.createFile(atPath: big, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: big))
        try handle.truncate(atOffset: UInt64(Self.gibibyte))
        try handle.close()
        try Data("small".utf8).write(to: URL(fileURLWithPath: directory.path("small.txt")))
        try Data("<h1>hello</h1>".utf8).write(to: URL(fileURLWithPath: directory.path("hello.html")))
    }

    deinit { directory.remove() }

    private func start(_ mode: String, workers: Int = 4) throws -> ServerProcess {
        try ServerProcess.start(["--mode", mode, "--root", directory.url.path, "--workers", String(workers), "--header-timeout", "20"])
    }

    /// A download begun and read for its first `bytes`, then left unread (a slow reader).
    private func beginDownload(_ server: ServerProcess, reading bytes: Int) throws -> TestClient {
        let client = try TestClient(port: server.port, timeout: 10)
        try client.send("GET /big.bin HTTP/1.1\r\nHost: h\r\n\r\n")
        var received = 0
        var scratch = [UInt8](repeating: 0, count: 65_536)
        while received < bytes {
            let result = try scratch.withUnsafeMutableBytes { try client.socket.read(into: $0) }
            guard case .bytes(let count) = result else { throw TestFailure("the download stopped at \(received) bytes: \(result)") }
            received += count
        }
        return client
    }

    @Test("slow readers of a 1 GiB file cost the server a few MiB, not the file (3 readers, 4 workers)", arguments: ["epoll", "pool"])
    func slowReadersAreBounded(mode: String) throws {
        let server = try start(mode)
        #expect(try server.get("/small.txt").status == 200)
        let before = server.residentKiB
        let readers = try (0..<3).map { _ in try beginDownload(server, reading: 1 << 20) }
        let during = server.residentKiB
        // A whole-file copy would be 3 GiB here; what grows is socket buffers and bookkeeping.
        #expect(during - before < 16 * 1024, "RSS grew from \(before) KiB to \(during) KiB with 3 slow readers of 1 GiB")
        #expect(try server.get("/small.txt").status == 200, "serves on while they read")
        _ = readers
    }

    @Test("the book's blocking mode streams a big file the same way")
    func blockingModeIsBounded() throws {
        let server = try start("blocking")
        #expect(try server.get("/small.txt").status == 200)
        let before = server.residentKiB
        let reader = try beginDownload(server, reading: 4 << 20)
        #expect(server.residentKiB - before < 16 * 1024)
        _ = reader
    }

    @Test("with one worker, GET / is answered at once while slow downloads run (epoll)")
    func workerIsFreeDuringDownloads() throws {
        let server = try start("epoll", workers: 1)
        let readers = try (0..<3).map { _ in try beginDownload(server, reading: 256 << 10) }
        let started = monotonicSeconds()
        #expect(try server.get("/").status == 200)
        #expect(monotonicSeconds() - started < 1, "no worker waits for a slow reader")
        _ = readers
    }

    @Test("a file's answer ends its job; the requests pipelined after it are answered after its bytes, in order (epoll)")
    func pipelinedAfterAFile() throws {
        let server = try start("epoll", workers: 1)
        let client = try TestClient(port: server.port, timeout: 10)
        try client.send("GET /small.txt HTTP/1.1\r\nHost: h\r\n\r\nGET /hello.html HTTP/1.1\r\nHost: h\r\n\r\n"
            + "GET /small.txt HTTP/1.1\r\nHost: h\r\nRange: bytes=1-3\r\n\r\nGET /missing HTTP/1.1\r\nHost: h\r\n\r\n")
        let responses = try client.readResponses(4)
        #expect(responses.map(\.status) == [200, 200, 206, 404])
        #expect(responses.map(\.bodyText) == ["small", "<h1>hello</h1>", "mal", responses[3].bodyText])
    }

    @Test("a file that shrinks while it is sent ends that download, and the server serves on", arguments: ["epoll", "pool", "blocking"])
    func shrinkingFile(mode: String) throws {
        let path = directory.path("shrinks.bin")
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 64 << 20)
        let server = try start(mode)
        let client = try TestClient(port: server.port, timeout: 10)
        try client.send("GET /shrinks.bin HTTP/1.1\r\nHost: h\r\n\r\n")
        var first = [UInt8](repeating: 0, count: 1024)
        _ = try first.withUnsafeMutableBytes { try client.socket.read(into: $0) }
        try handle.truncate(atOffset: 1 << 20)
        try handle.close()
        let (received, closed) = client.drainUntilServerCloses()
        #expect(closed, "the connection ends")
        #expect(received < 64 << 20, "it cannot deliver what is gone")
        #expect(try server.get("/small.txt").status == 200)
    }

    @Test("resume: a range near the end of a 1 GiB file is sent from its offset, nothing before it", arguments: ["epoll", "pool", "blocking"])
    func resumeFromAnOffset(mode: String) throws {
        let server = try start(mode)
        let first = Self.gibibyte - 824
        let client = try TestClient(port: server.port, timeout: 10)
        let started = monotonicSeconds()
        try client.send("GET /big.bin HTTP/1.1\r\nHost: h\r\nRange: bytes=\(first)-\r\nConnection: close\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 206)
        #expect(response.header("Content-Range") == "bytes \(first)-\(Self.gibibyte - 1)/\(Self.gibibyte)")
        #expect(response.body == [UInt8](repeating: 0, count: 824))
        #expect(monotonicSeconds() - started < 2, "no time spent on the GiB before the range")
    }

    @Test("a server ignores SIGPIPE, since sendfile cannot ask not to raise it: in a process that runs one in-process too")
    func serversIgnoreSIGPIPE() async {
        await #expect(processExitsWith: .success) {
            signal(SIGPIPE, SIG_DFL)
            let server = try TestServer(.epoll)
            var current = sigaction()
            sigaction(SIGPIPE, nil, &current)
            let ignored = unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
            server.stop()
            exit(ignored ? 0 : 1)
        }
    }
}
