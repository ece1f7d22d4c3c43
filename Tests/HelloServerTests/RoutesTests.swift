import Foundation
import HelloServer
import LinuxIO
import Testing

/// The routes of Docs/HTTP.md over real sockets, in all three modes.
@Suite(.timeLimit(.minutes(3)))
struct RoutesTests {
    static let modes = ServerMode.allCases

    @Test(arguments: modes)
    func helloPage(mode: ServerMode) throws {
        let server = try TestServer(mode)
        let response = try server.get("/")
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "text/html; charset=utf-8")
        #expect(response.header("Content-Length") == String(response.body.count))
        #expect(response.header("Server") == "hello-server")
        #expect(response.header("Connection") == mode.connectionHeaderForKeepAliveRequest)
        #expect(response.bodyText.contains("<title>Hello!</title>"))
        #expect(response.bodyText.contains("<h1>Hello!</h1>"))
        #expect(response.bodyText.contains("Hi from Swift"))
        #expect(response.rest.isEmpty)
    }

    @Test(arguments: modes)
    func dateIsIMFFixdate(mode: ServerMode) throws {
        let server = try TestServer(mode)
        let date = try #require(try server.get("/").header("Date"))
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let parsed = try #require(formatter.date(from: date), "not an IMF-fixdate: \(date)")
        #expect(abs(parsed.timeIntervalSinceNow) < 5)
    }

    @Test(arguments: modes)
    func queryStringIgnored(mode: ServerMode) throws {
        let server = try TestServer(mode)
        #expect(try server.get("/?name=value&x=1").status == 200)
    }

    @Test(arguments: modes)
    func headHasHeadersButNoBody(mode: ServerMode) throws {
        let server = try TestServer(mode)
        let get = try server.get("/")
        let head = try server.exchange("HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
        #expect(head.header("Content-Length") == get.header("Content-Length"))
        #expect(head.header("Content-Type") == get.header("Content-Type"))
        #expect(head.header("Connection") == mode.connectionHeaderForKeepAliveRequest)
        let missing = try server.exchange("HEAD /missing HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(missing.status == 404)
        #expect(missing.body.isEmpty)
    }

    @Test(arguments: modes)
    func unknownPathIs404WithTheOopsPage(mode: ServerMode) throws {
        let server = try TestServer(mode)
        let response = try server.get("/no/such/page")
        #expect(response.status == 404)
        #expect(response.statusLine == "HTTP/1.1 404 Not Found")
        #expect(response.header("Content-Type") == "text/html; charset=utf-8")
        #expect(response.bodyText.contains("Oops!"))
        #expect(response.bodyText.contains("Sorry, I don't know what you're asking for."))
        #expect(response.header("Connection") == mode.connectionHeaderForKeepAliveRequest)
    }

    @Test(arguments: modes, ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "BREW", "get"])
    func otherMethodsAre405(mode: ServerMode, method: String) throws {
        let server = try TestServer(mode)
        let response = try server.exchange("\(method) / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n")
        #expect(response.status == 405)
        #expect(response.header("Allow") == "GET, HEAD")
        #expect(response.header("Connection") == mode.connectionHeaderForKeepAliveRequest)
        #expect(try server.get("/").status == 200)
    }

    @Test(arguments: modes)
    func optionsAsteriskIs405(mode: ServerMode) throws {
        let server = try TestServer(mode)
        let response = try server.exchange("OPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(response.status == 405)
        #expect(response.header("Allow") == "GET, HEAD")
    }

    @Test(arguments: modes)
    func postToSleepDoesNotWait(mode: ServerMode) throws {
        let server = try TestServer(mode) { $0.sleepMilliseconds = 3000 }
        let started = Date()
        let response = try server.exchange("POST /sleep HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabc")
        #expect(response.status == 405)
        #expect(Date().timeIntervalSince(started) < 1.5)
    }

    @Test(arguments: modes)
    func sleepWaitsThenAnswersHello(mode: ServerMode) throws {
        let server = try TestServer(mode) { $0.sleepMilliseconds = 400 }
        let started = Date()
        let response = try server.get("/sleep")
        #expect(Date().timeIntervalSince(started) >= 0.39)
        #expect(response.status == 200)
        #expect(response.bodyText.contains("Hi from Swift"))
        let head = try server.exchange("HEAD /sleep HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
    }

    @Test(arguments: modes)
    func http10RequestsWorkAsAbSendsThem(mode: ServerMode) throws {
        let server = try TestServer(mode)
        let plain = try server.exchange("GET / HTTP/1.0\r\nHost: localhost\r\nUser-Agent: ApacheBench/2.3\r\nAccept: */*\r\n\r\n")
        #expect(plain.status == 200)
        #expect(plain.header("Connection") == "close")
        let noHost = try server.exchange("GET / HTTP/1.0\r\n\r\n")
        #expect(noHost.status == 200)
        // The book's modes always close, even when keep-alive is asked for; epoll confirms it.
        let keepAlive = try server.exchange("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(keepAlive.status == 200)
        #expect(keepAlive.header("Connection") == (mode.closesEveryConnection ? "close" : "keep-alive"))
    }

    @Test(arguments: modes)
    func absoluteFormTargetsAreAccepted(mode: ServerMode) throws {
        let server = try TestServer(mode)
        #expect(try server.exchange("GET http://localhost:7878/ HTTP/1.1\r\nHost: localhost\r\n\r\n").status == 200)
        #expect(try server.exchange("GET http://localhost HTTP/1.1\r\nHost: localhost\r\n\r\n").status == 200)
        #expect(try server.exchange("GET http://localhost/nope HTTP/1.1\r\nHost: localhost\r\n\r\n").status == 404)
    }

    @Test(arguments: modes)
    func percentDecodedPathRoutes(mode: ServerMode) throws {
        let server = try TestServer(mode) { $0.sleepMilliseconds = 0 }
        #expect(try server.get("/%73leep").status == 200)
        #expect(try server.get("/%zz").status == 400)
        #expect(try server.get("/").status == 200)
    }

    @Test(arguments: modes)
    func requestBodiesAreReadBeforeTheAnswer(mode: ServerMode) throws {
        let server = try TestServer(mode)
        let withLength = try server.exchange("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello")
        #expect(withLength.status == 200)
        let chunked = try server.exchange("GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
        #expect(chunked.status == 200)
        let big = [UInt8](repeating: 0x61, count: 200_000)
        let client = try server.connect()
        try client.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: \(big.count)\r\n\r\n")
        try client.send(big)
        let response = try client.readResponse(untilClose: false)
        #expect(response.status == 405)
    }

    @Test(arguments: modes)
    func expectContinueGetsTheFinalStatusAndTheResponseSurvives(mode: ServerMode) throws {
        let server = try TestServer(mode)
        let client = try server.connect()
        try client.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n")
        let response = try client.readResponse(untilClose: false)
        #expect(response.status == 405)
        #expect(response.header("Connection") == "close")
        // The client sends the body anyway; the server's lingering close drains it.
        try? client.send([UInt8](repeating: 0x62, count: 100_000))
        #expect(try server.get("/").status == 200)
    }

    @Test(arguments: [ServerMode.blocking, .pool])
    func pipelinedRequestsGetTheFirstAnswerIntactThenClose(mode: ServerMode) throws {
        let server = try TestServer(mode)
        let client = try server.connect()
        try client.send("GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /nope HTTP/1.1\r\nHost: h\r\n\r\n")
        let response = try TestResponse(parsing: client.readToEnd())
        #expect(response.status == 200)
        #expect(response.header("Connection") == "close")
        #expect(response.bodyText.contains("Hi from Swift"))
    }
}
