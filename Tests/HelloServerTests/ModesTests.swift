import Foundation
import HelloServer
import LinuxIO
import Synchronization
import Testing
import ThreadPool

/// What distinguishes the book's two designs, and their graceful shutdown.
@Suite(.timeLimit(.minutes(3)))
struct ModesTests {
    /// Starts `GET /sleep` on its own thread; returns when the request has been sent.
    private func startSleep(_ server: TestServer) throws -> BackgroundRequest {
        try BackgroundRequest(server, "GET /sleep HTTP/1.1\r\nHost: h\r\n\r\n")
    }

    @Test func blockingModeMakesEveryoneWaitForASleep() throws {
        let server = try TestServer(.blocking) { $0.sleepMilliseconds = 1000 }
        let sleeper = try startSleep(server)
        // No wait needed: the one thread accepts in backlog order, so the sleeper comes first.
        let started = Date()
        #expect(try server.get("/").status == 200)
        #expect(Date().timeIntervalSince(started) >= 0.7, "the single thread was busy sleeping")
        sleeper.join()
    }

    @Test func poolModeServesOthersDuringASleep() throws {
        let server = try TestServer(.pool) { $0.sleepMilliseconds = 1500; $0.status = .on }
        let sleeper = try startSleep(server)
        // The sleeper holds a worker (the status request itself holds another).
        #expect(server.waitForStatus(containing: "workers: 2 busy"), "the sleeper is in a worker")
        let started = Date()
        #expect(try server.get("/").status == 200)
        #expect(Date().timeIntervalSince(started) < 0.5, "another worker answered")
        sleeper.join()
    }

    @Test func poolModeWithAllWorkersSleepingQueuesTheNextClient() throws {
        let server = try TestServer(.pool) { $0.sleepMilliseconds = 800; $0.workers = 2 }
        let sleepers = try (0..<2).map { _ in try startSleep(server) }
        // No wait needed: connections reach the pool's queue in backlog order, so both workers
        // take a sleeper before the next client.
        let started = Date()
        #expect(try server.get("/").status == 200)
        #expect(Date().timeIntervalSince(started) >= 0.5, "both workers were busy")
        for sleeper in sleepers { sleeper.join() }
    }

    @Test(arguments: [ServerMode.blocking, .pool, .epoll])
    func shutdownDuringASleepAnswersItThenStops(mode: ServerMode) throws {
        let server = try TestServer(mode) { $0.sleepMilliseconds = 800 }
        let sleeper = try startSleep(server)
        usleep(200_000)
        let started = Date()
        server.stop()
        sleeper.join()
        let response = try #require(sleeper.response)
        #expect(response.status == 200)
        #expect(response.header("Connection") == "close")
        #expect(response.bodyText.contains("Hi from Swift"))
        #expect(Date().timeIntervalSince(started) < 3)
        #expect(throws: (any Error).self) { _ = try server.get("/") }
    }

    @Test(arguments: [ServerMode.blocking, .pool, .epoll])
    func shutdownClosesConnectionsThatSentNothing(mode: ServerMode) throws {
        let server = try TestServer(mode) { $0.headerTimeout = 30 }
        let idle = try (0..<3).map { _ in try server.connect() }
        usleep(100_000)
        let started = Date()
        server.stop()
        #expect(Date().timeIntervalSince(started) < 2)
        for client in idle { #expect(try client.isClosedByServer(within: 2)) }
    }

    @Test func poolDrainsQueuedRequestsOnShutdown() throws {
        let server = try TestServer(.pool) { $0.sleepMilliseconds = 500; $0.workers = 1 }
        let sleeper = try startSleep(server)
        usleep(100_000)
        // Queued behind the sleeping worker: its request is already sent, so it is answered.
        let waiting = try server.connect()
        try waiting.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        usleep(100_000)
        server.stop()
        sleeper.join()
        #expect(try waiting.readResponse().status == 200)
    }

    @Test(arguments: [ServerMode.blocking, .pool, .epoll])
    func manyClientsAreAllServed(mode: ServerMode) throws {
        let server = try TestServer(mode)
        let failures = Atomic<Int>(0)
        let threads = try (0..<8).map { _ in
            try JoinableThread(name: "client") {
                for _ in 0..<25 where (try? server.get("/"))?.status != 200 {
                    failures.add(1, ordering: .relaxed)
                }
            }
        }
        for thread in threads { thread.join() }
        #expect(failures.load(ordering: .relaxed) == 0)
    }

    @Test func poolModeKeepsConnectionsBeyondTheLimitWaitingInTheBacklog() throws {
        let server = try TestServer(.pool) { $0.maxConnections = 2; $0.headerTimeout = 5 }
        var first: TestClient? = try server.connect()
        let second = try server.connect()
        usleep(100_000)
        let waiting = try BackgroundRequest(server, "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        usleep(500_000)
        #expect(!waiting.isFinished, "two connections are open: the third waits")
        first = nil  // the client closes; its worker sees EOF and gives its permit back
        waiting.join()
        #expect(waiting.response?.status == 200, "served once a permit came back")
        _ = (first, second)
    }

    @Test func portInUseIsCannotListen() throws {
        let first = try TestServer(.pool)
        var configuration = Configuration()
        configuration.port = first.port
        configuration.mode = .blocking
        do {
            _ = try Servers.make(configuration, logger: .init(label: "test"))
            Issue.record("a second server on port \(first.port) should not listen")
        } catch {
            #expect(error.description == "cannot listen on 127.0.0.1:\(first.port): Address already in use")
        }
    }
}

/// A request sent now whose response is read on a thread of its own.
final class BackgroundRequest: Sendable {
    private final class Slot: Sendable {
        let response = Locked<TestResponse?>(nil)
    }

    private let slot = Slot()
    private let thread: JoinableThread

    init(_ server: TestServer, _ request: String) throws {
        let client = try server.connect()
        try client.send(request)
        let box = UncheckedBox(client)
        let slot = self.slot
        thread = try JoinableThread(name: "request") {
            let response = try? box.value.readResponse(untilClose: false)
            slot.response.withLock { $0 = response }
        }
    }

    func join() { thread.join() }

    var isFinished: Bool { slot.response.withLock { $0 != nil } }

    /// The response, once `join()` has returned; `nil` if none came.
    var response: TestResponse? { slot.response.withLock { $0 } }
}

/// Hands a non-Sendable test client to one other thread, which alone uses it afterwards.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
