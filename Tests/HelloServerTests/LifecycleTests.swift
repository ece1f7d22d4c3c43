import Foundation
import HTTP1
@testable import HelloServer
import LinuxIO
import Logging
import TestSupport
import Testing
import ThreadPool

/// A connection's transitions (Reactor+Lifecycle.swift) one step at a time, on a reactor whose
/// loop does not run: the test plays the loop, calling what an event or a deadline would, over a
/// real socket, and checks the state after each step (issue 10: unit tests for the lifecycle).
/// A closed connection's socket closes with its last reference, which these tests hold, so they
/// check the state rather than the client's end of file.
// The same limit as the other server suites: under a sanitizer, with every suite in parallel on
// two cores, a test can wait its turn for longer than it runs.
@Suite(.timeLimit(.minutes(3)))
struct LifecycleTests {
    /// A reactor on 127.0.0.1 with one worker, and a client connected to it.
    final class Rig {
        var reactor: Reactor
        let pool: ThreadPool
        let client: TestClient

        init(headerTimeout: Double = 10) throws {
            var configuration = Configuration()
            configuration.port = 0
            configuration.headerTimeout = headerTimeout
            let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            let context = try ServerContext(configuration: configuration, logger: logger, accessLog: nil, statusPages: false)
            let listener = try Socket.listening(on: SocketAddress.resolve(host: "127.0.0.1", port: 0), backlog: 16, nonBlocking: true)
            let port = try listener.localAddress().port
            reactor = try Reactor(context: context, listener: listener, origin: .bound)
            pool = try ThreadPool(size: 1, logger: logger)
            reactor.pool = pool
            client = try TestClient(port: port)
        }

        deinit { pool.shutdown() }

        /// The reactor accepts the client (what a listener event does).
        func accept() throws -> Connection {
            try waitUntilReadable(reactor.listener!.socket.rawValue)
            reactor.acceptConnections()
            guard let connection = reactor.table.all.first else { throw TestFailure("nothing accepted") }
            return connection
        }

        /// The client's bytes arrive and the reactor reads them (what EPOLLIN does).
        func send(_ text: String, to connection: Connection) throws {
            try client.send(text)
            try waitUntilReadable(connection.socket.rawValue)
            reactor.readAndParse(connection)
            reactor.wakeWorkers()  // what the end of a loop iteration does
        }

        /// The worker finishes and the reactor takes the connection back (the wake event).
        func handBack() throws {
            // As the loop does: the reactor sleeps only if nothing is handed back yet, and then
            // the worker's hand-back wakes it.
            if reactor.handBackQueue.mayWait() {
                try waitUntilReadable(reactor.handBackQueue.wakeEvent.rawValue)
                reactor.handBackQueue.wakeEvent.drain()
            }
            reactor.takeHandedBack()
            reactor.wakeWorkers()
        }

        func count(_ category: ConnectionCategory) -> Int { reactor.gauges.counts[category.rawValue] }

        /// The reactor's close decision (a noncopyable reactor cannot go into `#expect` itself).
        func closesAfterResponses(_ connection: Connection) -> Bool { reactor.closesAfterResponses(connection) }
    }

    static let get = "GET / HTTP/1.1\r\nHost: h\r\n\r\n"

    @Test("unused, head, in a worker, idle, head again: each step's state, and the counts follow")
    func keepAliveRound() throws {
        let rig = try Rig()
        let connection = try rig.accept()
        #expect(connection.state == .reading(.unused) && rig.count(.unused) == 1)
        #expect(connection.isParked, "nothing read yet: no exchange")

        try rig.send("GET / HT", to: connection)
        #expect(connection.state == .reading(.head) && rig.count(.readingRequest) == 1 && rig.count(.unused) == 0)

        try rig.send("TP/1.1\r\nHost: h\r\n\r\n", to: connection)
        #expect(connection.state == .inWorker && rig.count(.queuedOrInWorker) == 1)
        try rig.handBack()
        #expect(connection.state == .reading(.idle) && rig.count(.idle) == 1)
        #expect(try rig.client.readResponse(untilClose: false).status == 200)
        // Idle with nothing buffered: its exchange is parked with the reactor, not held.
        #expect(connection.isParked && rig.reactor.spareExchanges.count == 1)

        try rig.send("GET /", to: connection)
        #expect(connection.state == .reading(.head))
        #expect(!connection.isParked && rig.reactor.spareExchanges.count == 0)
        #expect(rig.count(.idle) == 0 && rig.count(.readingRequest) == 1)
        #expect(!rig.closesAfterResponses(connection))
    }

    @Test("a body keeps the connection reading in the body phase until it is complete")
    func bodyPhase() throws {
        let rig = try Rig()
        let connection = try rig.accept()
        try rig.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\nabc", to: connection)
        #expect(connection.state == .reading(.body) && connection.stream.position == .inBody)
        try rig.send("def", to: connection)
        #expect(connection.state == .inWorker)
        try rig.handBack()
        #expect(try rig.client.readResponse(untilClose: false).status == 405)
        #expect(connection.state == .reading(.idle))
        #expect(connection.isParked)
    }

    /// A connection goes idle holding part of its next request (pipelined behind the answered
    /// one): that is not idle, and its exchange is not parked; once it goes idle empty, it is.
    @Test("a connection that has bytes of its next request keeps its exchange")
    func partialNextRequestIsNotParked() throws {
        let rig = try Rig()
        let connection = try rig.accept()
        try rig.send("GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HT", to: connection)
        try rig.handBack()
        #expect(try rig.client.readResponse(untilClose: false).status == 200)
        #expect(connection.state == .reading(.head) && !connection.isParked)
        #expect(connection.stream.hasUnansweredBytes)
        try rig.send("TP/1.1\r\nHost: h\r\n\r\n", to: connection)
        try rig.handBack()
        #expect(try rig.client.readResponse(untilClose: false).status == 200)
        #expect(connection.state == .reading(.idle) && connection.isParked)
    }

    @Test("a request that ends the stream closes the connection once it is answered")
    func closeAfterTheAnswer() throws {
        let rig = try Rig()
        let connection = try rig.accept()
        try rig.send("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", to: connection)
        #expect(rig.closesAfterResponses(connection), "the stream has ended")
        try rig.handBack()
        #expect(connection.state == .closed && rig.reactor.table.count == 0)
        let response = try rig.client.readResponse(untilClose: false)
        #expect(response.status == 200 && response.header("Connection") == "close")
    }

    @Test("a refusal is answered by the reactor itself, which then lingers while the client may still send")
    func refusal() throws {
        let rig = try Rig()
        let connection = try rig.accept()
        try rig.send("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", to: connection)
        #expect(connection.state == .lingering, "no worker: 400, our side shut, the client's rest drained")
        #expect(rig.count(.closing) == 1)
        #expect(try rig.client.readResponse().status == 400, "read to its end: our side is shut down")
        try rig.client.send("more of the refused request")
        try waitUntilReadable(connection.socket.rawValue)
        rig.reactor.drainLingering(connection)
        #expect(connection.state == .lingering, "the client's bytes are dropped")
        try rig.client.socket.shutdown(.write)
        try waitUntilReadable(connection.socket.rawValue)
        rig.reactor.drainLingering(connection)
        #expect(connection.state == .closed, "closed at the client's end of file")
    }

    @Test("a deadline in a head is a 408; between requests it is a silent close")
    func deadlines() throws {
        let rig = try Rig()
        let connection = try rig.accept()
        try rig.send("GET / HT", to: connection)
        rig.reactor.clientTimedOut(connection)
        #expect(connection.state == .lingering || connection.state == .closed)
        #expect(try rig.client.readResponse().status == 408)

        let idle = try Rig()
        let second = try idle.accept()
        try idle.send(Self.get, to: second)
        try idle.handBack()
        _ = try idle.client.readResponse(untilClose: false)
        idle.reactor.clientTimedOut(second)
        #expect(second.state == .closed && idle.reactor.table.count == 0, "nothing to answer: no 408")
    }

    /// A client pipelines 200 requests in one write, then goes idle: its exchange is parked
    /// renewed, without room for 200 events, and a closing idle connection gives its exchange
    /// back rather than to free().
    @Test("a parked exchange keeps no grown buffers, and a closing idle connection parks its own")
    func parkedExchangesAreBounded() throws {
        let rig = try Rig()
        let connection = try rig.accept()
        try rig.send(String(repeating: Self.get, count: 200), to: connection)
        try rig.handBack()
        for _ in 0..<200 { #expect(try rig.client.readResponse(untilClose: false).status == 200) }
        #expect(connection.state == .reading(.idle) && connection.isParked)
        #expect(rig.reactor.spareExchanges.largestEventCapacity <= Exchange.usualCapacity)

        #expect(rig.reactor.spareExchanges.count == 1)

        // The client leaves: the read that finds its end of file takes the exchange, and the
        // close gives it back.
        try rig.client.socket.shutdown(.write)
        try waitUntilReadable(connection.socket.rawValue)
        rig.reactor.readAndParse(connection)
        #expect(connection.state == .closed)
        #expect(rig.reactor.spareExchanges.count == 1, "the closing connection's exchange was freed, not parked")
    }

    @Test("a connection a worker holds cannot be closed: the worker's unowned reference depends on it")
    func noCloseWhileInAWorker() async {
        await #expect(processExitsWith: .failure) {
            let rig = try Rig()
            let connection = try rig.accept()
            connection.enter(.inWorker, counting: &rig.reactor.gauges)
            rig.reactor.close(connection)
        }
    }
}
