import HTTP1
import Testing

/// Docs/HTTP.md, Request line and target: TARGET is origin-form (`/…`) or absolute-form (`http://…`) in visible ASCII
/// (`*` only with OPTIONS); anything else is 400 and close.
@Suite("Request target")
struct RequestTargetTests {
    struct Accepted: Sendable, CustomTestStringConvertible {
        let method: String
        let target: String
        let path: String
        var testDescription: String { "\(method) \(target) -> \(path)" }
    }

    static let accepted: [Accepted] = [
        // origin-form
        Accepted(method: "GET", target: "/", path: "/"),
        Accepted(method: "GET", target: "/a/b.html", path: "/a/b.html"),
        Accepted(method: "GET", target: "/?", path: "/"),
        Accepted(method: "GET", target: "/p?q", path: "/p"),
        Accepted(method: "GET", target: "/a/b?x=1&y=/z?w", path: "/a/b"),
        Accepted(method: "GET", target: "/%68ello.html", path: "/%68ello.html"),
        Accepted(method: "GET", target: "//double", path: "//double"),
        Accepted(method: "GET", target: "/~user/!$&'()*+,;=:@-._", path: "/~user/!$&'()*+,;=:@-._"),
        // absolute-form
        Accepted(method: "GET", target: "http://host/p?q", path: "/p"),
        Accepted(method: "GET", target: "http://host/", path: "/"),
        Accepted(method: "GET", target: "http://host", path: "/"),
        Accepted(method: "GET", target: "http://host?q=1", path: "/"),
        Accepted(method: "GET", target: "http://host:8080/a/b", path: "/a/b"),
        Accepted(method: "GET", target: "https://h/x", path: "/x"),
        Accepted(method: "GET", target: "HTTPS://h/x", path: "/x"),
        Accepted(method: "GET", target: "HtTp://Example.COM/Path", path: "/Path"),
        Accepted(method: "GET", target: "http://[::1]:7878/x?y", path: "/x"),
        Accepted(method: "POST", target: "http://host/form", path: "/form"),
        // asterisk-form, OPTIONS only
        Accepted(method: "OPTIONS", target: "*", path: "*"),
    ]

    @Test("origin-form, absolute-form and OPTIONS * are accepted", arguments: accepted)
    func acceptedTargets(accepted: Accepted) {
        let head = expectHead("\(accepted.method) \(accepted.target) HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(head?.method == accepted.method)
        #expect(head?.target == accepted.target)
        #expect(head?.path == accepted.path)
        #expect(head?.requestLine == "\(accepted.method) \(accepted.target) HTTP/1.1")
    }

    static let invalid: [[UInt8]] = [
        // authority-form and other non-origin forms
        bytes("host:80"), bytes("example.com:443"), bytes("index.html"), bytes("a/b"), bytes("?q"),
        bytes("%2F"), bytes("ftp://host/x"), bytes("mailto:x@y"), bytes("http:/host/x"), bytes("http:host"),
        bytes("http://"), bytes("https://"), bytes("http:///etc/passwd"), bytes("http://?q"),
        // `*` only alone and only with OPTIONS
        bytes("**"), bytes("*/"), bytes("*x"), bytes("*?"),
        // bytes that are not visible ASCII
        bytes("/a\u{7F}b"), bytes("/a\u{01}b"), bytes("/a\tb"), bytes("/\u{1F}"),
        bytes("/é"), bytes("/日本"), [0x2F, 0x80], [0x2F, 0xFF], [0x2F, 0x61, 0xC3],
    ]

    @Test("any other target is .invalidTarget (400)", arguments: invalid)
    func invalidTargets(target: [UInt8]) {
        for method in ["GET", "OPTIONS", "CONNECT"] {
            let input = bytes("\(method) ") + target + bytes(" HTTP/1.1\r\nHost: h\r\n\r\n")
            expectFailure(input, .invalidTarget, status: 400)
        }
    }

    @Test("`*` is refused with any method but OPTIONS", arguments: ["GET", "HEAD", "POST", "options", "OPTION"])
    func asteriskNeedsOptions(method: String) {
        expectFailure("\(method) * HTTP/1.1\r\nHost: h\r\n\r\n", .invalidTarget, status: 400)
    }

    @Test("OPTIONS * on HTTP/1.0 too")
    func asteriskHTTP10() {
        let head = expectHead("OPTIONS * HTTP/1.0\r\n\r\n")
        #expect(head == RequestHead(method: "OPTIONS", target: "*", path: "*", version: .http1_0, keepAlive: false))
    }

    @Test("an invalid target is refused when the request line ends")
    func refusedAtEndOfLine() {
        expectFailure("GET index.html HTTP/1.1\r\n", .invalidTarget, status: 400)
        expectFailure("GET /\u{7F} HTTP/1.1\n", .invalidTarget, status: 400)
    }
}
