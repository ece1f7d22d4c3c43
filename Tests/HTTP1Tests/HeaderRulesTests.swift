import HTTP1
import Testing

/// Docs/HTTP.md, Header fields, 400 and close: a malformed header line, HTTP/1.1 without Host or with two
/// Host headers, whitespace between a header name and its colon, obs-fold, bare CR, NUL bytes.
@Suite("Header rules")
struct HeaderRulesTests {
    // MARK: Host

    @Test("HTTP/1.1 without Host is .missingHost (400)", arguments: [
        "GET / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n",
        "GET / HTTP/1.1\r\nHosts: h\r\n\r\n",
        "GET / HTTP/1.1\r\nX-Host: h\r\n\r\n",
        "GET http://host/ HTTP/1.1\r\n\r\n",
    ])
    func missingHost(input: String) {
        expectFailure(input, .missingHost, status: 400)
    }

    @Test("HTTP/1.0 without Host is fine")
    func http10NeedsNoHost() {
        #expect(expectHead("GET / HTTP/1.0\r\nAccept: */*\r\n\r\n")?.version == .http1_0)
    }

    @Test("the Host field name is case-insensitive", arguments: ["Host", "host", "HOST", "hOsT"])
    func hostNameCase(name: String) {
        #expect(expectHead("GET / HTTP/1.1\r\n\(name): example.com\r\n\r\n") != nil)
    }

    @Test("an empty Host value still counts as Host")
    func emptyHost() {
        #expect(expectHead("GET / HTTP/1.1\r\nHost:\r\n\r\n") != nil)
    }

    @Test("two Host headers are .duplicateHost (400), decided at the second line", arguments: [
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nAccept: */*\r\nhost: b\r\n",
        "GET / HTTP/1.0\r\nHOST: a\r\nHost: b\r\n",
    ])
    func duplicateHost(head: String) {
        expectFailure(head, .duplicateHost, status: 400)
        expectFailure(head + "\r\n", .duplicateHost, status: 400)
    }

    // MARK: Header-line syntax

    static let malformedLines: [Rejection] = [
        Rejection("no colon", "GET / HTTP/1.1\r\nHost: h\r\nNoColonHere\r\n\r\n", .malformedHeaderLine, 400),
        Rejection("no colon, with spaces", "GET / HTTP/1.1\r\nHost: h\r\nX value\r\n\r\n", .malformedHeaderLine, 400),
        Rejection("empty name", "GET / HTTP/1.1\r\nHost: h\r\n: value\r\n\r\n", .malformedHeaderLine, 400),
        Rejection("colon only", "GET / HTTP/1.1\r\nHost: h\r\n:\r\n\r\n", .malformedHeaderLine, 400),
        Rejection("space inside name", "GET / HTTP/1.1\r\nHost: h\r\nX Y: v\r\n\r\n", .malformedHeaderLine, 400),
        Rejection("separator in name", "GET / HTTP/1.1\r\nHost: h\r\nX(Y): v\r\n\r\n", .malformedHeaderLine, 400),
        Rejection("slash in name", "GET / HTTP/1.1\r\nHost: h\r\nX/Y: v\r\n\r\n", .malformedHeaderLine, 400),
        Rejection("non-ASCII name", "GET / HTTP/1.1\r\nHost: h\r\nÜber: v\r\n\r\n", .malformedHeaderLine, 400),
        Rejection("SOH in value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\u{01}b\r\n\r\n", .malformedHeaderLine, 400),
        Rejection("US in value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\u{1F}b\r\n\r\n", .malformedHeaderLine, 400),
        Rejection("ESC in value", "GET / HTTP/1.1\r\nHost: h\r\nX: \u{1B}[31m\r\n\r\n", .malformedHeaderLine, 400),
        Rejection("DEL in value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\u{7F}\r\n\r\n", .malformedHeaderLine, 400),
        Rejection("vertical tab in value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\u{0B}b\r\n\r\n", .malformedHeaderLine, 400),
        Rejection("form feed in value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\u{0C}b\r\n\r\n", .malformedHeaderLine, 400),
        Rejection("control byte in Host", "GET / HTTP/1.1\r\nHost: a\u{02}\r\n\r\n", .malformedHeaderLine, 400),
        Rejection("control byte in name", "GET / HTTP/1.1\r\nHost: h\r\nX\u{01}: v\r\n\r\n", .malformedHeaderLine, 400),
    ]

    @Test("malformed header lines are 400", arguments: malformedLines)
    func malformedHeaderLines(rejection: Rejection) {
        expectFailure(rejection.input, rejection.error, status: rejection.status)
    }

    @Test("a malformed header line is refused before the blank line arrives")
    func refusedAtLine() {
        expectFailure("GET / HTTP/1.1\r\nNoColonHere\r\n", .malformedHeaderLine, status: 400)
        expectFailure("GET / HTTP/1.1\r\nX: \u{01}\n", .malformedHeaderLine, status: 400)
    }

    @Test("values may hold tabs, spaces, punctuation and obs-text; surrounding whitespace is ignored", arguments: [
        "X: a\tb", "X:\t a b \t", "X:", "X: ", "User-Agent: Mozilla/5.0 (X11; Linux) \"quoted\" {}", "X: caf\u{E9}",
        "X-Token: !#$%&'*+-.^_`|~", "x-lower: v", "X: a:b:c",
    ])
    func acceptedFieldLines(line: String) {
        #expect(expectHead("GET / HTTP/1.1\r\nHost: h\r\n\(line)\r\n\r\n") != nil)
    }

    @Test("obs-text bytes 0x80...0xFF are allowed in a value")
    func obsText() {
        let input = bytes("GET / HTTP/1.1\r\nHost: h\r\nX: ") + [0x80, 0xA0, 0xFF] + bytes("\r\n\r\n")
        guard case .complete = parseWhole(input) else {
            Issue.record("expected a complete head")
            return
        }
    }

    // MARK: Whitespace before colon, obs-fold

    @Test("whitespace between a field name and its colon is .whitespaceBeforeColon (400)", arguments: [
        "Host : h", "Host\t: h", "X-A : b", "X-A  : b", "Content-Length : 5", "Transfer-Encoding : chunked",
    ])
    func whitespaceBeforeColon(line: String) {
        let host = line.hasPrefix("Host") ? "" : "Host: h\r\n"
        expectFailure("GET / HTTP/1.1\r\n\(host)\(line)\r\n\r\n", .whitespaceBeforeColon, status: 400)
        expectFailure("GET / HTTP/1.1\r\n\(host)\(line)\r\n", .whitespaceBeforeColon, status: 400)
    }

    @Test("obs-fold (a line starting with SP or HTAB) is .obsoleteLineFolding (400)", arguments: [
        "GET / HTTP/1.1\r\nHost: h\r\nX-A: b\r\n c\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX-A: b\r\n\tc\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX-A: b\n c\n\n",
        "GET / HTTP/1.1\r\nHost: h\r\n \r\n\r\n",
        "GET / HTTP/1.1\r\n Host: h\r\n\r\n",
        "GET / HTTP/1.1\r\n\tHost: h\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\n  \r\n",
    ])
    func obsFold(input: String) {
        expectFailure(input, .obsoleteLineFolding, status: 400)
    }

    // MARK: Bare CR, NUL

    @Test("a CR not followed by LF is .bareCarriageReturn (400)", arguments: [
        "GET / HTTP/1.1\rHost: h\r\n\r\n",
        "GET /\r HTTP/1.1\r\nHost: h\r\n\r\n",
        "GE\rT / HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1\r\r\nHost: h\r\n\r\n",
        "\rGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        "\r\n\rGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX\r: b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX: b\r\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\n\r\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\n\r\r",
    ])
    func bareCarriageReturn(input: String) {
        expectFailure(input, .bareCarriageReturn, status: 400)
    }

    @Test("a CR at the end of the input waits for the next byte")
    func crAtEndWaits() {
        var parser = RequestParser()
        #expect(parser.parse(bytes("GET / HTTP/1.1\r").span) == .needMoreData)
        #expect(parser.parse(bytes("GET / HTTP/1.1\rX").span) == .failure(.bareCarriageReturn))
    }

    @Test("a NUL byte anywhere in the head is .nulByte (400)", arguments: [
        "\0GET / HTTP/1.1\r\nHost: h\r\n\r\n",
        "\r\n\0\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        "G\0T / HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET /\0 HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.\0\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1\0\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1\r\nHo\0st: h\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX: \0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\n\0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\n\0",
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\0",
    ])
    func nulBytes(input: String) {
        expectFailure(input, .nulByte, status: 400)
    }

    @Test("a NUL is refused without waiting for the end of its line")
    func nulWithoutLineEnd() {
        #expect(parseWhole("GET /\0") == .failure(.nulByte))
        #expect(parseWhole([0]) == .failure(.nulByte))
    }

    // MARK: Unknown fields

    @Test("unknown and repeated unknown fields pass unexamined")
    func unknownFields() {
        let head = expectHead("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nX-A: 2\r\nAccept: */*\r\nCookie: a=b; c=d\r\n\r\n")
        #expect(head == RequestHead(method: "GET", target: "/", path: "/", version: .http1_1, keepAlive: true))
    }
}
