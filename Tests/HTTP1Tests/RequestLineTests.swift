import HTTP1
import Testing

/// Docs/HTTP.md, Request line and target: the request line is exactly `METHOD SP TARGET SP HTTP/d.d` (method a token,
/// case-sensitive); that shape with another version is 505, anything else 400.
@Suite("Request line")
struct RequestLineTests {
    @Test("a plain HTTP/1.1 GET parses into the expected head")
    func plainGet() {
        let head = expectHead("GET /index.html?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n")
        #expect(head == RequestHead(method: "GET", target: "/index.html?x=1", path: "/index.html", version: .http1_1, keepAlive: true))
        #expect(head?.requestLine == "GET /index.html?x=1 HTTP/1.1")
        #expect(head?.isGetOrHead == true)
    }

    @Test("an HTTP/1.0 request needs no Host")
    func http10WithoutHost() {
        let head = expectHead("GET / HTTP/1.0\r\n\r\n")
        #expect(head == RequestHead(method: "GET", target: "/", path: "/", version: .http1_0, keepAlive: false))
        #expect(head?.requestLine == "GET / HTTP/1.0")
    }

    @Test("any token is a method, kept as sent", arguments: [
        "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "M-SEARCH", "PROPFIND", "X_CUSTOM.1", "!#$%&'*+-.^_`|~09azAZ",
    ])
    func tokenMethods(method: String) {
        let head = expectHead("\(method) / HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(head?.method == method)
        #expect(head?.isGetOrHead == (method == "GET" || method == "HEAD"))
    }

    @Test("methods are case-sensitive: `get` is not GET", arguments: ["get", "Get", "head", "gEt"])
    func methodCaseIsKept(method: String) {
        let head = expectHead("\(method) / HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(head?.method == method)
        #expect(head?.isGetOrHead == false)
    }

    @Test("the request-line shape with a version other than 1.0 or 1.1 is 505", arguments: [
        "HTTP/2.0", "HTTP/0.9", "HTTP/1.2", "HTTP/3.0", "HTTP/1.9", "HTTP/9.9", "HTTP/0.0", "HTTP/2.1",
    ])
    func unsupportedVersions(version: String) {
        expectFailure("GET / \(version)\r\nHost: h\r\n\r\n", .unsupportedVersion, status: 505)
        // Decided by the request line alone.
        expectFailure("GET / \(version)\r\n", .unsupportedVersion, status: 505)
    }

    @Test("the HTTP/2 connection preface is 505: the version is judged before the target")
    func http2PrefaceIs505() {
        expectFailure("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", .unsupportedVersion, status: 505)
    }

    static let malformed: [Rejection] = [
        Rejection("double space after method", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("double space before version", "GET /  HTTP/1.1\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("leading space", " GET / HTTP/1.1\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("trailing space", "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("missing version", "GET /\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("missing version, long target", "GET /index.html\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("missing target", "GET HTTP/1.1\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("missing target, long method", "GETTING HTTP/1.1\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("method only", "GET\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("no spaces at all", "GET/HTTP/1.1\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("lowercase http", "GET / http/1.1\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("mixed-case Http", "GET / Http/1.1\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("two-digit minor", "GET / HTTP/1.10\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("two-digit major", "GET / HTTP/11.1\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("version without minor", "GET / HTTP/1\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("version with letters", "GET / HTTP/a.b\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("version with comma", "GET / HTTP/1,1\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("not HTTP", "GET / HTTQ/1.1\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("tab after method", "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("tab before version", "GET /\tHTTP/1.1\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("tabs only", "GET\t/\tHTTP/1.1\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("three parts plus extra", "GET / extra HTTP/1.1\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("separator in method", "GE(T / HTTP/1.1\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("slash in method", "GET/ / HTTP/1.1\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("non-ASCII method", "GÉT / HTTP/1.1\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("control byte in method", "G\u{01}T / HTTP/1.1\r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("whitespace-only line", "   \r\nHost: h\r\n\r\n", .malformedRequestLine, 400),
        Rejection("garbage", "hello\r\n\r\n", .malformedRequestLine, 400),
        Rejection("TLS-looking bytes", [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03, 0x0A], .nulByte, 400),
    ]

    @Test("malformed request lines are 400", arguments: malformed)
    func malformedLines(rejection: Rejection) {
        expectFailure(rejection.input, rejection.error, status: rejection.status)
    }

    @Test("a bad request line is refused as soon as the line ends, before any header")
    func refusedAtEndOfLine() {
        expectFailure("GET  / HTTP/1.1\r\n", .malformedRequestLine, status: 400)
        expectFailure("GET  / HTTP/1.1\n", .malformedRequestLine, status: 400)
        // Until the line ends nothing is decided.
        #expect(parseWhole("GET  / HTTP/1.1") == .needMoreData)
    }

    @Test("leading empty lines before the request line are skipped", arguments: [
        "\r\n", "\r\n\r\n", "\n", "\n\n\r\n",
    ])
    func leadingEmptyLines(prefix: String) {
        let input = prefix + "GET / HTTP/1.1\r\nHost: h\r\n\r\n"
        let head = expectHead(input)
        #expect(head?.method == "GET")
        #expect(head?.path == "/")
    }

    @Test("only empty lines: still waiting for a request line")
    func onlyEmptyLines() {
        #expect(parseWhole("\r\n\r\n\r\n") == .needMoreData)
        #expect(parseWhole("\n\n") == .needMoreData)
    }

    @Test("bare LF line endings are accepted", arguments: [
        "GET / HTTP/1.1\nHost: h\n\n",
        "GET / HTTP/1.1\r\nHost: h\n\n",
        "GET / HTTP/1.1\nHost: h\r\n\r\n",
        "GET / HTTP/1.1\nHost: h\n\r\n",
    ])
    func bareLineFeeds(input: String) {
        let head = expectHead(input)
        #expect(head == RequestHead(method: "GET", target: "/", path: "/", version: .http1_1, keepAlive: true))
    }

    @Test("nothing is returned before the head is complete", arguments: [
        "", "G", "GET / HTTP/1.1", "GET / HTTP/1.1\r", "GET / HTTP/1.1\r\n", "GET / HTTP/1.1\r\nHost: h",
        "GET / HTTP/1.1\r\nHost: h\r\n", "GET / HTTP/1.1\r\nHost: h\r\n\r",
    ])
    func incompleteHeads(input: String) {
        #expect(parseWhole(input) == .needMoreData)
    }
}
