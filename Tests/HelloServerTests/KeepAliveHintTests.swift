import HelloServer
import Testing

/// Docs/HTTP.md, Responses: a response after which the connection stays open carries
/// `Keep-Alive: timeout=N` (N = `--keep-alive-timeout` in whole seconds, rounded down, at least
/// 1), so a client drops an idle connection before the server closes it; a response after
/// which the server closes carries none.
@Suite(.timeLimit(.minutes(3)))
struct KeepAliveHintTests {
    @Test("every response on a kept-open connection carries the hint, none that closes does")
    func epollResponses() throws {
        let server = try TestServer(.epoll)  // --keep-alive-timeout 5, the default
        let client = try server.connect()
        let kept: [(String, Int, String?)] = [
            ("GET / HTTP/1.1\r\nHost: h\r\n\r\n", 200, nil),
            ("HEAD / HTTP/1.1\r\nHost: h\r\n\r\n", 200, nil),
            ("GET /missing HTTP/1.1\r\nHost: h\r\n\r\n", 404, nil),
            ("DELETE / HTTP/1.1\r\nHost: h\r\n\r\n", 405, nil),
            ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 200, "keep-alive"),
        ]
        for (request, status, connection) in kept {
            try client.send(request)
            let response = try client.readResponse(untilClose: false, headRequest: request.hasPrefix("HEAD"))
            #expect(response.status == status, "\(request.debugDescription)")
            #expect(response.header("Connection") == connection, "\(request.debugDescription)")
            #expect(response.header("Keep-Alive") == "timeout=5", "\(request.debugDescription)")
        }
        try client.send("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        let last = try client.readResponse(untilClose: false)
        #expect(last.header("Connection") == "close")
        #expect(last.header("Keep-Alive") == nil)

        for closing in ["GET / HTTP/1.0\r\n\r\n", "BAD\r\n\r\n", "GET / HTTP/1.1\r\nHost: a@b\r\n\r\n"] {
            let response = try server.exchange(closing)
            #expect(response.header("Connection") == "close", "\(closing.debugDescription)")
            #expect(response.header("Keep-Alive") == nil, "\(closing.debugDescription)")
        }
    }

    @Test("N is the timeout in whole seconds, rounded down, at least 1", arguments: [(2.7, "timeout=2"), (1.0, "timeout=1"), (0.3, "timeout=1"), (30, "timeout=30")])
    func hintFollowsTheTimeout(timeout: Double, expected: String) throws {
        let server = try TestServer(.epoll) { $0.keepAliveTimeout = timeout }
        let response = try server.get("/")
        #expect(response.header("Keep-Alive") == expected)
    }

    @Test("the book's modes close after every response, so they never send the hint", arguments: [ServerMode.blocking, .pool])
    func closingModes(mode: ServerMode) throws {
        let server = try TestServer(mode)
        for request in ["GET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "GET /missing HTTP/1.1\r\nHost: h\r\n\r\n"] {
            let response = try server.exchange(request)
            #expect(response.header("Connection") == "close")
            #expect(response.header("Keep-Alive") == nil, "\(request.debugDescription)")
        }
    }

    @Test("a client that drops the connection after the hinted time never meets the server's close")
    func hintIsShorterThanTheServersTimeout() throws {
        let server = try TestServer(.epoll) { $0.keepAliveTimeout = 1.5 }
        let client = try server.connect()
        try client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(try client.readResponse(untilClose: false).header("Keep-Alive") == "timeout=1")
        // Still open at the hinted second: a request sent then is answered.
        #expect(try !client.isClosedByServer(within: 1.0))
        try client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(try client.readResponse(untilClose: false).status == 200)
    }

    @Test("a keep-alive timeout of centuries keeps the connection open; it never wraps into the past")
    func hugeTimeoutNeverFires() throws {
        let server = try TestServer(.epoll) { $0.keepAliveTimeout = 1e11 }
        let client = try server.connect()
        try client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(try client.readResponse(untilClose: false).header("Keep-Alive") == "timeout=\(Int32.max)")
        #expect(server.waitForStatus(containing: ", 1 idle keep-alive,"), "idle, not closed by a deadline in the past")
        #expect(try !client.isClosedByServer(within: 0.3))
        try client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(try client.readResponse(untilClose: false).status == 200)
    }
}
