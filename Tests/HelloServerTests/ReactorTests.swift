import Foundation
import HelloServer
import LinuxIO
import Testing
import ThreadPool

/// What `--mode epoll` adds: keep-alive, pipelining, deadlines and backpressure, with slow or
/// silent clients that never hold a worker.
@Suite(.timeLimit(.minutes(3)))
struct ReactorTests {
    private static let get = "GET / HTTP/1.1\r\nHost: h\r\n\r\n"

    @Test func http11ConnectionsStayOpenForManyRequests() throws {
        let server = try TestServer(.epoll)
        let client = try server.connect()
        for path in ["/", "/missing", "/", "/?q=1"] {
            try client.send("GET \(path) HTTP/1.1\r\nHost: h\r\n\r\n")
            let response = try client.readResponse(untilClose: false)
            #expect(response.status == (path == "/missing" ? 404 : 200))
            #expect(response.header("Connection") == nil)
        }
        try client.send("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        let last = try client.readResponse(untilClose: false)
        #expect(last.header("Connection") == "close")
        #expect(try client.isClosedByServer(within: 2))
    }

    @Test func http10KeepsAliveOnlyWhenAsked() throws {
        let server = try TestServer(.epoll)
        let client = try server.connect()
        for _ in 0..<3 {
            try client.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let response = try client.readResponse(untilClose: false)
            #expect(response.status == 200)
            #expect(response.header("Connection") == "keep-alive")
        }
        try client.send("GET / HTTP/1.0\r\n\r\n")
        #expect(try client.readResponse(untilClose: false).header("Connection") == "close")
        #expect(try client.isClosedByServer(within: 2))
    }

    @Test func pipelinedRequestsWithASleepAmongThemAreAnsweredInOrder() throws {
        let server = try TestServer(.epoll) { $0.sleepMilliseconds = 300 }
        let client = try server.connect()
        try client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /sleep HTTP/1.1\r\nHost: h\r\n\r\n"
            + "GET /missing HTTP/1.1\r\nHost: h\r\n\r\nPOST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
            + "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
            + "GET /missing?last HTTP/1.1\r\nHost: h\r\n\r\n")
        let responses = try client.readResponses(6)
        #expect(responses.map(\.status) == [200, 200, 404, 405, 200, 404])
        #expect(responses[1].bodyText.contains("Hi from Swift"))
        // Still open for more.
        try client.send(Self.get)
        #expect(try client.readResponse(untilClose: false).status == 200)
    }

    @Test func pipelinedRequestsSplitAcrossWritesAreAnsweredInOrder() throws {
        let server = try TestServer(.epoll)
        let client = try server.connect()
        let stream = Array(String(repeating: "GET / HTTP/1.1\r\nHost: h\r\n\r\nHEAD /missing HTTP/1.1\r\nHost: h\r\n\r\n", count: 20).utf8)
        for start in stride(from: 0, to: stream.count, by: 37) {
            try client.send(Array(stream[start..<min(start + 37, stream.count)]))
        }
        for _ in 0..<20 {
            #expect(try client.readResponse(untilClose: false).status == 200)
            #expect(try client.readResponse(untilClose: false, headRequest: true).status == 404)
        }
    }

    @Test func halfClosedClientStillGetsItsAnswers() throws {
        let server = try TestServer(.epoll)
        let client = try server.connect()
        try client.send(Self.get + Self.get)
        try client.socket.shutdown(.write)
        let started = Date()
        let all = try TestResponse(parsing: client.readToEnd())
        #expect(Date().timeIntervalSince(started) < 1, "closed right after the answers, not at the idle timeout")
        #expect(all.status == 200)
        #expect(TestResponse(prefixOf: all.rest)?.status == 200)
    }

    @Test func idleKeepAliveConnectionIsClosedSilentlyAfterTheTimeout() throws {
        let server = try TestServer(.epoll) { $0.keepAliveTimeout = 0.5 }
        let client = try server.connect()
        try client.send(Self.get)
        _ = try client.readResponse(untilClose: false)
        let started = Date()
        #expect(try client.readToEnd().isEmpty, "closed without a word")
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed > 0.4 && elapsed < 2.5)
    }

    @Test func aLargeResponseToASlowReaderArrivesWholeWithoutHoldingTheWorker() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hello-big-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let content = (0..<(12 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        try Data(content).write(to: directory.appendingPathComponent("big.bin"))
        try Data("hi".utf8).write(to: directory.appendingPathComponent("hello.html"))
        let root = directory.path
        let server = try TestServer(.epoll) { $0.root = root; $0.workers = 1; $0.headerTimeout = 10; $0.status = .on }

        let slow = try server.connect()
        try slow.send("GET /big.bin HTTP/1.1\r\nHost: h\r\n\r\n")
        // The one worker wrote what fit and handed the rest to the reactor.
        #expect(server.waitForStatus(containing: ", 1 writing,"), "the reactor finishes the response")
        let started = Date()
        #expect(try server.get("/").status == 200)
        #expect(Date().timeIntervalSince(started) < 1, "the only worker is free while the slow client reads")

        var received: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: 256 * 1024)
        while received.count < content.count + 100 {
            guard case .bytes = try slow.socket.read(appendingTo: &received, scratch: &scratch) else { break }
            if received.count < 2 << 20 { usleep(2_000) }  // slow at first
            if let response = TestResponse(prefixOf: received), response.body.count == content.count { break }
        }
        let response = try #require(TestResponse(prefixOf: received))
        #expect(response.status == 200)
        #expect(response.body == content)
    }

    @Test func aClientThatNeverReadsIsAbandonedAfterTheWriteDeadline() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hello-stuck-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(count: 16 << 20).write(to: directory.appendingPathComponent("big.bin"))
        try Data("hi".utf8).write(to: directory.appendingPathComponent("hello.html"))
        let root = directory.path
        let server = try TestServer(.epoll) { $0.root = root; $0.workers = 1; $0.headerTimeout = 0.5; $0.status = .on }
        let stuck = try server.connect()
        try stuck.send("GET /big.bin HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(server.waitForStatus(containing: ", 1 writing,"), "the reactor holds the rest of the response")
        #expect(try server.get("/").status == 200, "no worker waits for the stuck client")
        #expect(server.waitForStatus(containing: ", 1 write\n"), "the write deadline fired")
        // The server gave up: what arrives is a prefix of the response, then end of file or reset.
        let (received, closed) = stuck.drainUntilServerCloses()
        #expect(closed, "the connection was not closed")
        #expect(received < (16 << 20))
    }

    @Test func slowlorisConnectionsDoNotSlowANormalClient() throws {
        let server = try TestServer(.epoll) { $0.headerTimeout = 30; $0.workers = 2 }
        let slow = try (0..<200).map { _ in try server.connect() }
        for client in slow { try client.send("GET / HTTP/1.1\r\nHost: h\r\nX-Slow: ") }
        for _ in 0..<5 {
            let started = Date()
            #expect(try server.get("/").status == 200)
            #expect(Date().timeIntervalSince(started) < 0.5)
        }
        for client in slow.prefix(20) { try client.send("a\r\n\r\n") }
        for client in slow.prefix(20) { #expect(try client.readResponse(untilClose: false).status == 200) }
    }

    @Test func fiveThousandIdleConnectionsAreHeldWhileANewClientIsServedAtOnce() throws {
        let server = try TestServer(.epoll) { $0.keepAliveTimeout = 60; $0.workers = 2 }
        var idle: [TestClient] = []
        for _ in 0..<5000 {
            let client = try server.connect()
            try client.send(Self.get)
            idle.append(client)
        }
        for client in idle { #expect(try client.readResponse(untilClose: false).status == 200) }
        let started = Date()
        #expect(try server.get("/").status == 200)
        #expect(Date().timeIntervalSince(started) < 0.5)
        // They are still open and usable.
        for client in idle.suffix(10) {
            try client.send(Self.get)
            #expect(try client.readResponse(untilClose: false).status == 200)
        }
    }

    @Test func clientsBeyondMaxConnectionsWaitInTheBacklogAndAreAllServed() throws {
        let server = try TestServer(.epoll) { $0.maxConnections = 50 }
        let clients = try (0..<100).map { _ in try server.connect() }
        for client in clients { try client.send("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n") }
        var statuses: [Int] = []
        for client in clients { statuses.append(try client.readResponse().status) }
        #expect(statuses == Array(repeating: 200, count: 100))
    }

    @Test func theLimitHoldsNewConnectionsUntilOneCloses() throws {
        let server = try TestServer(.epoll) { $0.maxConnections = 2; $0.headerTimeout = 30; $0.keepAliveTimeout = 30 }
        var first: TestClient? = try server.connect()
        let second = try server.connect()
        try first?.send(Self.get)
        _ = try first?.readResponse(untilClose: false)
        let waiting = try BackgroundRequest(server, Self.get)
        usleep(500_000)
        #expect(!waiting.isFinished, "two connections are open: the third waits in the backlog")
        first = nil
        waiting.join()
        #expect(waiting.response?.status == 200)
        _ = second
    }

    @Test func bodiesAreConsumedSoTheNextRequestIsReadCorrectly() throws {
        let server = try TestServer(.epoll)
        let client = try server.connect()
        try client.send("POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nGET / HTTP/")
        #expect(try client.readResponse(untilClose: false).status == 405)
        try client.send("GET /missing HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nGET \r\n0\r\nTrailer: t\r\n\r\n")
        #expect(try client.readResponse(untilClose: false).status == 404)
        try client.send(Self.get)
        #expect(try client.readResponse(untilClose: false).status == 200)
    }

    /// Each body byte within `--header-timeout` of the last moves the deadline: four bytes 0.2 s
    /// apart keep the request alive for 0.8 s, then 0.5 s of silence ends it with 408.
    @Test func aBodyThatStallsGets408AfterItsLastProgress() throws {
        let server = try TestServer(.epoll) { $0.headerTimeout = 0.5 }
        let client = try server.connect()
        try client.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n")
        let started = ContinuousClock.now
        for _ in 0..<4 {
            usleep(200_000)
            try client.send("x")  // progress resets the body deadline
        }
        let response = try client.readResponse()
        let elapsed = ContinuousClock.now - started
        #expect(response.status == 408)
        // Without the reset the 408 would come 0.5 s after the head; with it, 0.5 s after the last byte.
        #expect(elapsed >= .milliseconds(1_200), "408 after \(elapsed): progress did not move the deadline")
        #expect(elapsed < .seconds(4))
    }

    @Test func clientsThatResetAtEveryStageDoNotHurtTheServer() throws {
        let server = try TestServer(.epoll) { $0.sleepMilliseconds = 200; $0.workers = 2 }
        for stage in 0..<4 {
            for _ in 0..<25 {
                let client = try server.connect()
                switch stage {
                case 0: try client.send("GET / HTTP/1.1\r\nHost")
                case 1: try client.send(Self.get)
                case 2: try client.send("GET /sleep HTTP/1.1\r\nHost: h\r\n\r\n")
                default: try client.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\nabc")
                }
                try client.socket.setResetOnClose()
            }
        }
        #expect(try server.get("/").status == 200)
    }

    @Test func allWorkersSleepingQueuesNewRequestsWhileTheReactorKeepsAccepting() throws {
        let server = try TestServer(.epoll) { $0.sleepMilliseconds = 700; $0.workers = 2 }
        let sleepers = try (0..<2).map { _ in try BackgroundRequest(server, "GET /sleep HTTP/1.1\r\nHost: h\r\n\r\n") }
        usleep(150_000)
        let queued = try (0..<5).map { _ in try BackgroundRequest(server, Self.get) }
        // The reactor still accepts and parses: a bad request is answered without any worker.
        let started = Date()
        #expect(try server.exchange("BAD\r\n\r\n").status == 400)
        #expect(Date().timeIntervalSince(started) < 0.3)
        for request in sleepers + queued { request.join() }
        #expect((sleepers + queued).allSatisfy { $0.response?.status == 200 })
    }

    // A request begun behind one a worker answers is due within --header-timeout of the
    // hand-back. Before the RequestStream these two waited forever: nothing armed a deadline
    // for a head that arrived while a worker held the connection's first request, or for a
    // body that began in the same read as the request before it.
    @Test func headBegunWhileAWorkerAnswersGets408() throws {
        let server = try TestServer(.epoll) {
            $0.headerTimeout = 0.5
            $0.sleepMilliseconds = 600
        }
        let client = try server.connect()
        try client.send("GET /sleep HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(server.waitForStatus(containing: "workers: 2 busy"), "the sleeper is in a worker")
        try client.send("GET / HTTP/1.1\r\n")
        #expect(try client.readResponse(untilClose: false).status == 200)
        let answered = Date()
        let response = try client.readResponse(untilClose: false)
        #expect(response.status == 408)
        #expect(Date().timeIntervalSince(answered) < 3)
        #expect(try client.isClosedByServer(within: 2))
        #expect(try server.get("/").status == 200)
    }

    @Test func bodyBegunBehindAPipelinedRequestGets408() throws {
        let server = try TestServer(.epoll) { $0.headerTimeout = 0.5 }
        let client = try server.connect()
        let started = Date()
        try client.send(Self.get + "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc")
        #expect(try client.readResponse(untilClose: false).status == 200)
        let response = try client.readResponse(untilClose: false)
        #expect(response.status == 408)
        #expect(Date().timeIntervalSince(started) < 3)
        #expect(try server.get("/").status == 200)
    }

    // A route that answers 400 closes the connection: nothing may follow its response, not even
    // the refusal of a bad request pipelined behind it (the old reactor wrote that one too).
    @Test func aClosingAnswerEndsThePipelinedBatch() throws {
        let server = try TestServer(.epoll)
        let client = try server.connect()
        try client.send("GET /%zz HTTP/1.1\r\nHost: h\r\n\r\nGET  / HTTP/1.1\r\nHost: h\r\n\r\n")
        let all = String(decoding: try client.readToEnd(), as: UTF8.self)
        #expect(all.hasPrefix("HTTP/1.1 400 "))
        #expect(all.components(separatedBy: "HTTP/1.1 ").count == 2, "one response, then the close: \(all)")
        #expect(try server.get("/").status == 200)
    }
}
