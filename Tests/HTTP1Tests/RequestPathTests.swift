import HTTP1
import Testing

/// Docs/HTTP.md, Routes: paths are percent-decoded once; nothing outside the root is ever served:
/// any `..` segment (raw or decoded), an encoded `/` or NUL, a decoded path starting `//` is 404
/// (`.forbidden`); broken percent-encoding is `.malformed`.
@Suite("Request path")
struct RequestPathTests {
    @Test("safe paths decode once", arguments: [
        ("/", "/"),
        ("/a/b.html", "/a/b.html"),
        ("/hello.html", "/hello.html"),
        ("/%68ello.html", "/hello.html"),
        ("/%68%65%6C%6c%6F.html", "/hello.html"),
        ("/a%20b", "/a b"),
        ("/caf%C3%A9", "/café"),
        ("/%252e%252e", "/%2e%2e"),
        ("/%252f", "/%2f"),
        ("/%2500", "/%00"),
        ("/.", "/."),
        ("/./a", "/./a"),
        ("/...", "/..."),
        ("/..a", "/..a"),
        ("/a..", "/a.."),
        ("/.%2e.", "/..."),
        ("/a/", "/a/"),
        ("/a//b", "/a//b"),
        ("/.hidden", "/.hidden"),
        ("/a+b", "/a+b"),
    ])
    func safe(raw: String, decoded: String) {
        #expect(RequestPath(decoding: raw) == .safe(decoded))
    }

    @Test("`..` segments, raw or decoded, are forbidden", arguments: [
        "/..", "/../", "/../x", "/a/../b", "/a/..", "/a/b/../../..", "/%2e%2e/x", "/%2E%2E/", "/%2e%2E", "/.%2e/x",
        "/%2e./x", "/a/%2e%2e", "/a/.%2E/b",
    ])
    func dotDot(raw: String) {
        #expect(RequestPath(decoding: raw) == .forbidden)
    }

    @Test("an encoded slash or NUL is forbidden", arguments: [
        "/a%2fb", "/a%2Fb", "/a%00b", "/%00", "/%2F", "/..%2f", "/%2e%2e%2f", "/x%2f..%2fy",
    ])
    func encodedSlashOrNul(raw: String) {
        #expect(RequestPath(decoding: raw) == .forbidden)
    }

    @Test("a decoded path starting `//` is forbidden", arguments: ["//etc", "//", "//etc/passwd", "/%2f%2fetc", "/%2Fetc"])
    func doubleSlash(raw: String) {
        #expect(RequestPath(decoding: raw) == .forbidden)
    }

    @Test("paths not starting with `/` (e.g. `*`) are forbidden", arguments: ["", "*", "a", "%2f", "."])
    func notAbsolute(raw: String) {
        #expect(RequestPath(decoding: raw) == .forbidden)
    }

    @Test("decoded bytes that are not UTF-8 are forbidden", arguments: ["/%ff", "/%C3", "/%80abc", "/%C3%28"])
    func invalidUTF8(raw: String) {
        #expect(RequestPath(decoding: raw) == .forbidden)
    }

    @Test("broken percent-encoding is malformed", arguments: ["/%zz", "/%4", "/%", "/a%", "/%g0", "/%0g", "/a%2", "/%%41", "/%-1"])
    func malformed(raw: String) {
        #expect(RequestPath(decoding: raw) == .malformed)
    }

    @Test("the parser's path for a target feeds RequestPath")
    func fromParsedHead() {
        let head = expectHead("GET http://h/%68ello.html?x=%2f HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(head.map { RequestPath(decoding: $0.path) } == .safe("/hello.html"))
        let traversal = expectHead("GET /static/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(traversal.map { RequestPath(decoding: $0.path) } == .forbidden)
    }
}
