import HTTP1
import Testing

/// Docs/HTTP.md, Responses: every response has `Content-Length`, `Date` and `Server: hello-server`, and
/// `Connection: close` whenever the server will close; an HTTP/1.0 keep-alive request gets
/// `Connection: keep-alive`. Errors carry their status and a one-line reason.
@Suite("Responses")
struct ResponseTests {
    static let dateLine = bytes("Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n")
    /// For a 5 s keep-alive timeout, the server's default.
    static let lines = ConnectionHeaderLines(keepAliveTimeout: 5)

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    // MARK: PreparedResponse

    @Test("the prepared head holds the status line, Server, Content-Type and Content-Length, nothing else")
    func preparedHead() {
        let response = PreparedResponse(status: .ok, contentType: "text/html; charset=utf-8", body: bytes("<h1>Hello!</h1>"))
        #expect(Self.text(response.head) == "HTTP/1.1 200 OK\r\nServer: hello-server\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 15\r\n")
        #expect(response.body == bytes("<h1>Hello!</h1>"))
        #expect(response.status == .ok)
    }

    @Test("Content-Length always equals the body's byte count", arguments: [0, 1, 9, 10, 1234, 100_000])
    func contentLengthMatchesBody(count: Int) {
        let response = PreparedResponse(status: .notFound, contentType: "application/octet-stream", body: [UInt8](repeating: 0xFF, count: count))
        #expect(Self.text(response.head).contains("\r\nContent-Length: \(count)\r\n"))
        #expect(response.body.count == count)
    }

    @Test("Content-Length counts bytes, not characters")
    func contentLengthCountsBytes() {
        let body = bytes("Grüße, 世界")
        let response = PreparedResponse(status: .ok, contentType: "text/plain; charset=utf-8", body: body)
        #expect(Self.text(response.head).contains("\r\nContent-Length: \(body.count)\r\n"))
        #expect(body.count == 15)
    }

    @Test("extra headers follow the fixed ones, in order")
    func extraHeaders() {
        let response = PreparedResponse(
            status: .methodNotAllowed, contentType: "text/plain; charset=utf-8", body: bytes("no\n"),
            extraHeaders: [(name: "Allow", value: "GET, HEAD"), (name: "X-Other", value: "1")])
        #expect(Self.text(response.head) == "HTTP/1.1 405 Method Not Allowed\r\nServer: hello-server\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\nAllow: GET, HEAD\r\nX-Other: 1\r\n")
    }

    // MARK: encodeHead

    @Test("encodeHead adds the date line, the Connection header the directive asks for, the Keep-Alive hint when the connection stays open, and the blank line", arguments: [
        (ConnectionDirective.persistent, "Keep-Alive: timeout=5\r\n"),
        (.keepAlive, "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n"),
        (.close, "Connection: close\r\n"),
    ])
    func encodeHead(directive: ConnectionDirective, connectionLine: String) {
        let response = PreparedResponse(status: .ok, contentType: "text/plain; charset=utf-8", body: bytes("hi"))
        var buffer: [UInt8] = []
        response.encodeHead(into: &buffer, dateLine: Self.dateLine, connection: directive, lines: Self.lines)
        let expected = "HTTP/1.1 200 OK\r\nServer: hello-server\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n"
            + "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n" + connectionLine + "\r\n"
        #expect(Self.text(buffer) == expected)
        // Exactly one blank line, at the end, and every line ends in CRLF.
        let text = Self.text(buffer)
        #expect(text.hasSuffix("\r\n\r\n"))
        #expect(text.utf8.count == expected.utf8.count)
        #expect(text.split(separator: "\r\n", omittingEmptySubsequences: false).dropLast(2).allSatisfy { !$0.isEmpty && !$0.contains("\n") && !$0.contains("\r") })
    }

    @Test("encodeHead appends to what the buffer already holds")
    func encodeHeadAppends() {
        let response = PreparedResponse(status: .ok, contentType: "text/plain", body: [])
        var buffer = bytes("previous response bytes")
        response.encodeHead(into: &buffer, dateLine: Self.dateLine, connection: .close, lines: Self.lines)
        #expect(Self.text(buffer).hasPrefix("previous response bytesHTTP/1.1 200 OK\r\n"))
        #expect(Self.text(buffer).hasSuffix("Connection: close\r\n\r\n"))
        #expect(Self.text(buffer).contains("\r\nContent-Length: 0\r\n"))
    }

    @Test("the date line from HTTPDate fits encodeHead")
    func withHTTPDate() {
        let response = PreparedResponse(status: .ok, contentType: "text/plain", body: bytes("x"))
        var buffer: [UInt8] = []
        response.encodeHead(into: &buffer, dateLine: bytes("Date: \(HTTPDate.format(epochSeconds: 0))\r\n"), connection: .persistent, lines: Self.lines)
        #expect(Self.text(buffer).hasSuffix("Content-Length: 1\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\nKeep-Alive: timeout=5\r\n\r\n"))
    }

    @Test("Keep-Alive: timeout=N is the keep-alive timeout in whole seconds, rounded down, at least 1", arguments: [
        (5.0, 5), (5.9, 5), (1.0, 1), (0.5, 1), (0.001, 1), (0.0, 1), (30.25, 30), (86_400, 86_400),
    ])
    func keepAliveHint(timeout: Double, seconds: Int) {
        let lines = ConnectionHeaderLines(keepAliveTimeout: timeout)
        #expect(lines.hintSeconds == seconds)
        #expect(Self.text(lines.persistent) == "Keep-Alive: timeout=\(seconds)\r\n\r\n")
        #expect(Self.text(lines.keepAlive) == "Connection: keep-alive\r\nKeep-Alive: timeout=\(seconds)\r\n\r\n")
        #expect(Self.text(lines.close) == "Connection: close\r\n\r\n", "no hint on a response after which the server closes")
    }

    // MARK: Errors

    static let allErrors: [(HTTPError, Int)] = [
        (.malformedRequestLine, 400), (.invalidTarget, 400), (.unsupportedVersion, 505), (.malformedHeaderLine, 400),
        (.whitespaceBeforeColon, 400), (.obsoleteLineFolding, 400), (.bareCarriageReturn, 400), (.nulByte, 400),
        (.missingHost, 400), (.duplicateHost, 400), (.invalidHost, 400), (.invalidContentLength, 400), (.conflictingContentLength, 400),
        (.contentLengthWithTransferEncoding, 400), (.transferEncodingNotEndingInChunked, 400), (.chunkedTwice, 400),
        (.transferEncodingInHTTP10, 400), (.unsupportedTransferCoding, 501), (.bodyTooLarge, 413),
        (.requestLineTooLong, 414), (.headerFieldsTooLarge, 431), (.malformedChunk, 400), (.chunkSizeTooLong, 400),
        (.chunkFramingTooLong, 400),
        (.headerTimeout, 408), (.bodyTimeout, 408),
    ]

    @Test("every HTTPError maps to its contract status", arguments: allErrors)
    func errorStatus(error: HTTPError, code: Int) {
        #expect(error.status.code == code)
    }

    @Test("an error response carries the status and a one-line reason", arguments: allErrors)
    func errorResponse(error: HTTPError, code: Int) {
        let response = PreparedResponse(error: error)
        #expect(response.status == error.status)
        #expect(response.status.code == code)
        let body = Self.text(response.body)
        #expect(body == "\(code) \(error.status.reason): \(error.description)\n")
        #expect(body.filter { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }.count == 1)
        #expect(!error.description.isEmpty)
        let head = Self.text(response.head)
        #expect(head.hasPrefix("HTTP/1.1 \(code) \(error.status.reason)\r\n"))
        #expect(head.contains("\r\nServer: hello-server\r\n"))
        #expect(head.contains("\r\nContent-Type: text/plain; charset=utf-8\r\n"))
        #expect(head.contains("\r\nContent-Length: \(response.body.count)\r\n"))
    }

    @Test("error descriptions are distinct")
    func distinctDescriptions() {
        let descriptions = Self.allErrors.map(\.0.description)
        #expect(Set(descriptions).count == descriptions.count)
    }

    @Test("statuses have their RFC 9110 reason phrases", arguments: [
        (HTTPStatus.ok, "200 OK"), (.badRequest, "400 Bad Request"), (.notFound, "404 Not Found"),
        (.methodNotAllowed, "405 Method Not Allowed"), (.requestTimeout, "408 Request Timeout"),
        (.contentTooLarge, "413 Content Too Large"), (.uriTooLong, "414 URI Too Long"),
        (.requestHeaderFieldsTooLarge, "431 Request Header Fields Too Large"),
        (.notImplemented, "501 Not Implemented"), (.httpVersionNotSupported, "505 HTTP Version Not Supported"),
    ])
    func statusReasons(status: HTTPStatus, description: String) {
        #expect(status.description == description)
        #expect("\(status.code) \(status.reason)" == description)
    }

    // MARK: ConnectionDirective

    static let http11 = RequestHead(method: "GET", target: "/", path: "/", version: .http1_1, keepAlive: true)
    static let http11Close = RequestHead(method: "GET", target: "/", path: "/", version: .http1_1, keepAlive: false)
    static let http10 = RequestHead(method: "GET", target: "/", path: "/", version: .http1_0, keepAlive: false)
    static let http10KeepAlive = RequestHead(method: "GET", target: "/", path: "/", version: .http1_0, keepAlive: true, keepAliveRequested: true)

    struct DirectiveCase: Sendable, CustomTestStringConvertible {
        let head: RequestHead
        let serverKeepsOpen: Bool
        let expected: ConnectionDirective
        init(_ head: RequestHead, _ serverKeepsOpen: Bool, _ expected: ConnectionDirective) {
            self.head = head
            self.serverKeepsOpen = serverKeepsOpen
            self.expected = expected
        }
        var testDescription: String {
            "\(head.version.text) keepAlive \(head.keepAlive) requested \(head.keepAliveRequested), server keeps open \(serverKeepsOpen) -> \(expected)"
        }
    }

    @Test("forResponse: close unless both sides keep the connection; keep-alive confirms an HTTP/1.0 request", arguments: [
        DirectiveCase(http11, true, .persistent),
        DirectiveCase(http11, false, .close),
        DirectiveCase(http11Close, true, .close),
        DirectiveCase(http11Close, false, .close),
        DirectiveCase(http10, true, .close),
        DirectiveCase(http10, false, .close),
        DirectiveCase(http10KeepAlive, true, .keepAlive),
        DirectiveCase(http10KeepAlive, false, .close),
    ])
    func forResponse(testCase: DirectiveCase) {
        #expect(ConnectionDirective.forResponse(to: testCase.head, serverKeepsOpen: testCase.serverKeepsOpen) == testCase.expected)
    }

    @Test("forResponse without a head (a refused request) is close", arguments: [true, false])
    func forResponseWithoutHead(serverKeepsOpen: Bool) {
        #expect(ConnectionDirective.forResponse(to: nil, serverKeepsOpen: serverKeepsOpen) == .close)
    }

    @Test("parsed heads give the contract's Connection header", arguments: [
        ("GET / HTTP/1.1\r\nHost: h\r\n\r\n", "Keep-Alive: timeout=5\r\n"),
        ("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", "Connection: close\r\n"),
        ("GET / HTTP/1.0\r\n\r\n", "Connection: close\r\n"),
        ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n"),
    ])
    func parsedHeads(request: String, line: String) {
        let directive: ConnectionDirective = switch line {
        case "Keep-Alive: timeout=5\r\n": .persistent
        case "Connection: close\r\n": .close
        default: .keepAlive
        }
        let head = expectHead(request)
        let chosen = ConnectionDirective.forResponse(to: head, serverKeepsOpen: true)
        #expect(chosen == directive)
        var buffer: [UInt8] = []
        PreparedResponse(status: .ok, contentType: "text/plain", body: []).encodeHead(into: &buffer, dateLine: Self.dateLine, connection: chosen, lines: Self.lines)
        #expect(Self.text(buffer).hasSuffix("GMT\r\n" + line + "\r\n"))
    }
}
