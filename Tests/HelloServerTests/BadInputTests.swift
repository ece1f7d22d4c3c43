import Foundation
import HelloServer
import TestSupport
import Testing

/// Every bad-input case of Docs/HTTP.md over real sockets: the exact status, `Connection: close`,
/// and a server that still serves the next client.
@Suite(.timeLimit(.minutes(3)))
struct BadInputTests {
    static let modes = ServerMode.allCases

    private static func server(_ mode: ServerMode) throws -> TestServer {
        try TestServer(mode) { $0.maxBodyBytes = BadRequests.limits.maxBodyBytes }
    }

    @Test(arguments: modes)
    func eachBadRequestGetsItsStatusAndTheServerGoesOn(mode: ServerMode) throws {
        let server = try Self.server(mode)
        for (request, status) in BadRequests.cases {
            let response = try server.exchange(request)
            #expect(response.status == status, "\(request.debugDescription)")
            #expect(response.header("Connection") == "close", "\(request.debugDescription)")
            #expect(response.header("Content-Length") == String(response.body.count))
            #expect(response.bodyText.hasPrefix("\(status) "), "a one-line reason: \(response.bodyText)")
            #expect(try server.get("/").status == 200, "after \(request.debugDescription)")
        }
    }

    @Test(arguments: modes)
    func validNeighboursOfTheBadCasesAreServed(mode: ServerMode) throws {
        let server = try Self.server(mode)
        for (request, status) in BadRequests.goodCases {
            let client = try server.connect()
            try client.send(request)
            #expect(try client.readResponse(untilClose: false).status == status, "\(request.debugDescription)")
            if !mode.closesEveryConnection {
                // The body was read exactly: the connection serves the next request.
                try client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
                #expect(try client.readResponse(untilClose: false).status == 200, "after \(request.debugDescription)")
            }
        }
    }

    @Test(arguments: modes)
    func chunkedBodyOverTheLimitIs413(mode: ServerMode) throws {
        let server = try Self.server(mode)
        let chunk = String(repeating: "x", count: 600)
        let request = "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n\(chunk)\r\n258\r\n\(chunk)\r\n0\r\n\r\n"
        let response = try server.exchange(request)
        #expect(response.status == 413)
        #expect(try server.get("/").status == 200)
    }

    @Test(arguments: modes)
    func contentLengthOverTheLimitIsDecidedBeforeTheBody(mode: ServerMode) throws {
        let server = try Self.server(mode)
        let client = try server.connect()
        // The body never comes: the answer must not wait for it.
        try client.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1000000000\r\n\r\n")
        let response = try client.readResponse(untilClose: false)
        #expect(response.status == 413)
        #expect(response.header("Connection") == "close")
    }

    @Test(arguments: modes)
    func requestLineOverTheLimitIs414AssoonAsPassed(mode: ServerMode) throws {
        let server = try TestServer(mode) { $0.maxHeaderBytes = 256 }
        let client = try server.connect()
        // No line end ever: the answer comes once the limit is passed.
        try client.send("GET /" + String(repeating: "a", count: 400))
        let response = try client.readResponse(untilClose: false)
        #expect(response.status == 414)
        #expect(response.header("Connection") == "close")
        #expect(try server.get("/").status == 200)
    }

    @Test(arguments: modes)
    func headersOverTheLimitAre431AsSoonAsPassed(mode: ServerMode) throws {
        let server = try TestServer(mode) { $0.maxHeaderBytes = 256 }
        let client = try server.connect()
        try client.send("GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + String(repeating: "b", count: 400))
        let response = try client.readResponse(untilClose: false)
        #expect(response.status == 431)
        #expect(try server.get("/").status == 200)
    }

    @Test(arguments: modes)
    func headOfExactlyTheLimitIsAccepted(mode: ServerMode) throws {
        let server = try TestServer(mode) { $0.maxHeaderBytes = 256 }
        let base = "GET / HTTP/1.1\r\nHost: h\r\nX: \r\n\r\n"
        let padding = String(repeating: "p", count: 256 - base.utf8.count)
        let exact = "GET / HTTP/1.1\r\nHost: h\r\nX: \(padding)\r\n\r\n"
        #expect(exact.utf8.count == 256)
        #expect(try server.exchange(exact).status == 200)
        let over = "GET / HTTP/1.1\r\nHost: h\r\nX: \(padding)p\r\n\r\n"
        #expect(try server.exchange(over).status == 431)
    }

    /// Docs/HTTP.md, Deadlines: a connection that has sent no byte at all is closed after
    /// `--header-timeout` with no 408 (as nginx does: a browser's spare preconnected socket
    /// would read a stale 408 as the answer to its next request).
    @Test(arguments: modes)
    func unusedConnectionIsClosedSilentlyAfterTheHeaderTimeout(mode: ServerMode) throws {
        let server = try TestServer(mode) {
            $0.headerTimeout = 0.5
            $0.status = .on
        }
        let client = try server.connect()
        let started = Date()
        let received = try client.readToEnd()
        let elapsed = Date().timeIntervalSince(started)
        #expect(received.isEmpty, "no byte for a connection that sent none: \(String(decoding: received, as: UTF8.self).debugDescription)")
        #expect(elapsed >= 0.45 && elapsed < 3, "closed after \(elapsed) s")
        #expect(try server.get("/").status == 200)
        let metrics = try PrometheusText(parsing: server.get("/metrics").bodyText)
        #expect(metrics.value("hello_timeouts_total", ["kind": "unused"]) == 1)
        #expect(metrics.value("hello_timeouts_total", ["kind": "request"]) == 0, "not counted as a 408")
    }

    /// A head that has started but is not complete in time still gets 408 and close, whatever
    /// its first bytes (an empty line before the request line is a byte sent, too).
    @Test(arguments: modes, ["GET / HTTP/1.1\r\nHost: h\r\n", "G", "\r\n"])
    func startedHeadGets408AfterTheHeaderTimeout(mode: ServerMode, start: String) throws {
        let server = try TestServer(mode) { $0.headerTimeout = 0.5 }
        let client = try server.connect()
        let started = Date()
        try client.send(start)
        let response = try client.readResponse()
        let elapsed = Date().timeIntervalSince(started)
        #expect(response.status == 408)
        #expect(response.header("Connection") == "close")
        #expect(response.header("Keep-Alive") == nil)
        #expect(elapsed >= 0.45 && elapsed < 3)
        #expect(try server.get("/").status == 200)
    }

    @Test(arguments: modes)
    func drippingClientIsCutOffByTheWholeHeadDeadline(mode: ServerMode) throws {
        let server = try TestServer(mode) { $0.headerTimeout = 1 }
        let client = try server.connect()
        let started = Date()
        // One byte per 200 ms: each read makes progress, but the head is never complete in time.
        try? client.drip("GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: slow\r\n\r\n", pause: 0.2)
        let response = try client.readResponse()
        #expect(response.status == 408)
        #expect(Date().timeIntervalSince(started) < 3)
    }

    @Test(arguments: modes)
    func stalledBodyGets408(mode: ServerMode) throws {
        let server = try TestServer(mode) { $0.headerTimeout = 0.5 }
        let client = try server.connect()
        try client.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc")
        let response = try client.readResponse()
        #expect(response.status == 408)
        #expect(try server.get("/").status == 200)
    }

    @Test(arguments: modes)
    func clientThatVanishesMidRequestDoesNotHurtTheServer(mode: ServerMode) throws {
        let server = try TestServer(mode) { $0.sleepMilliseconds = 50 }
        for _ in 0..<20 {
            let client = try server.connect()
            try client.send("GET / HTTP/1.1\r\nHost: h\r\nX-Partial: yes")
            try client.socket.setResetOnClose()
        }
        for _ in 0..<20 {
            let client = try server.connect()
            try client.send("GET /sleep HTTP/1.1\r\nHost: h\r\n\r\n")
            try client.socket.shutdown(.write)
        }
        #expect(try server.get("/").status == 200)
    }
}
