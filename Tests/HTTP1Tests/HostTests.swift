import HTTP1
import Testing

/// Docs/HTTP.md, Header fields, and RFC 9112 §3.2: a Host value is `uri-host [ ":" port ]`
/// (RFC 3986 §3.2.2–3.2.3), and an absolute-form target's authority follows the same grammar
/// with a non-empty host; anything else is 400 and close.
@Suite("Host and authority")
struct HostTests {
    static let validHosts: [String] = [
        "", "example.com", "EXAMPLE.com", "localhost", "127.0.0.1", "127.0.0.1:7878", "localhost:7878",
        "a-b.c_d~e", "xn--bcher-kva.example", "host.", "999.999.999.999", "h%41st", "a!$&'()*+;=b",
        "host:", "host:0", "host:65535", "host:007", ":80",
        "[::1]", "[::1]:7878", "[::]", "[2001:db8::7]", "[2001:DB8:0:0:8:800:200C:417A]", "[1:2:3:4:5:6:7:8]",
        "[1::]", "[1:2:3:4:5:6:7::]", "[::2:3:4:5:6:7:8]", "[::ffff:192.0.2.128]", "[1:2:3:4:5:6:1.2.3.4]",
        "[fe80::1]:80", "[v1.fe80::a+en1]", "[V7.x:y]",
    ]

    @Test("a Host of uri-host [ \":\" port ] is accepted", arguments: validHosts)
    func validHost(value: String) {
        #expect(expectHead("GET / HTTP/1.1\r\nHost: \(value)\r\n\r\n") != nil)
        // Surrounding whitespace is not part of the value (RFC 9112 §5.1).
        #expect(expectHead("GET / HTTP/1.1\r\nHost:\t \(value) \t\r\n\r\n") != nil)
    }

    static let invalidHosts: [String] = [
        // userinfo, a path, a query or fragment, a list
        "user@host", "user:pass@host", "@host", "host/x", "host/", "/", "host?q", "host#f", "host\\x",
        "a, b", "a,b", ",", "a,",
        // whitespace inside
        "a b", "host :80", "host: 80", "a\tb",
        // a port that is not digits
        "host:http", "host:80a", "host:-1", "host:+80", "host:8 0", "host:80:81", "h::80",
        // characters a reg-name may not hold
        "ho\"st", "ho<st", "ho>st", "ho^st", "ho`st", "ho{st}", "ho|st", "ho[st", "ho]st", "host%", "host%4", "host%zz", "h\u{e9}",
        // broken IP literals
        "[]", "[::1", "::1", "[::1]x", "[::1]:x", "[::1]]", "[:::]", "[1:2:3:4:5:6:7:8:9]", "[1:2:3:4:5:6:7]", "[1::2::3]",
        "[12345::]", "[1:]", "[:1]", "[g::]", "[::1.2.3]", "[::1.2.3.256]", "[::01.2.3.4]", "[::1.2.3.4:5]",
        "[1:2:3:4:5:6:7:1.2.3.4]", "[1::2:3:4:5:6:7:8]", "[v.x]", "[vz.x]", "[v1.]", "[v1x]", "[fe80::1%25eth0]",
        "127.0.0.1]",
    ]

    @Test("any other Host value is .invalidHost (400), decided at its line", arguments: invalidHosts)
    func invalidHost(value: String) {
        let head = "GET / HTTP/1.1\r\nHost: \(value)\r\n"
        expectFailure(head, .invalidHost, status: 400)
        expectFailure(head + "\r\n", .invalidHost, status: 400)
        // HTTP/1.0 too: the rule is about any Host field, not only the one HTTP/1.1 needs.
        expectFailure("GET / HTTP/1.0\r\nHost: \(value)\r\n\r\n", .invalidHost, status: 400)
    }

    @Test("a bad Host is refused with an absolute-form target too (whose authority is used instead)")
    func invalidHostWithAbsoluteForm() {
        expectFailure("GET http://example.com/ HTTP/1.1\r\nHost: user@example.com\r\n\r\n", .invalidHost, status: 400)
        #expect(expectHead("GET http://example.com/ HTTP/1.1\r\nHost: other.example:81\r\n\r\n")?.path == "/")
    }

    static let validAuthorities: [String] = [
        "host", "host:80", "host:", "127.0.0.1:7878", "[::1]", "[::1]:7878", "[2001:db8::1]:443", "a%41b", "x.example.",
    ]

    @Test("an absolute-form target's authority follows the Host grammar", arguments: validAuthorities)
    func validAuthority(authority: String) {
        #expect(expectHead("GET http://\(authority)/p HTTP/1.1\r\nHost: h\r\n\r\n")?.path == "/p")
        #expect(expectHead("GET http://\(authority) HTTP/1.1\r\nHost: h\r\n\r\n")?.path == "/")
        #expect(expectHead("GET http://\(authority)?q HTTP/1.1\r\nHost: h\r\n\r\n")?.path == "/")
    }

    static let invalidAuthorities: [String] = [
        // userinfo (RFC 9110 §4.2.4: a recipient should treat it as an error) and an empty host (§4.2.1: MUST reject)
        "user@host", "user:pw@host", "@host", ":80", ":",
        "host:http", "host:8a", "a,b", "h#frag", "[::1", "[::1]x", "[zz::]", "h%2", "h\"x", "h{x}",
    ]

    @Test("an absolute-form target whose authority is not uri-host [ \":\" port ] is .invalidTarget (400)", arguments: invalidAuthorities)
    func invalidAuthority(authority: String) {
        expectFailure("GET http://\(authority)/p HTTP/1.1\r\nHost: h\r\n\r\n", .invalidTarget, status: 400)
        expectFailure("GET https://\(authority) HTTP/1.1\r\nHost: h\r\n\r\n", .invalidTarget, status: 400)
    }

    @Test("each byte value inside a Host name: accepted exactly when RFC 3986 allows it in a reg-name (but ,)")
    func everyByteInAName() {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+;=".utf8)
        for byte in UInt8.min...UInt8.max {
            let input = bytes("GET / HTTP/1.1\r\nHost: a") + [byte] + bytes("b\r\n\r\n")
            let outcome = parseWhole(input)
            if allowed.contains(byte) {
                guard case .complete = outcome else {
                    Issue.record("byte \(byte) refused: \(outcome)")
                    continue
                }
            } else if byte == 0x09 || (byte >= 0x20 && byte != 0x7F) {
                // A byte a field value may hold, but a host may not.
                #expect(outcome == .failure(.invalidHost), "byte \(byte)")
            } else {
                guard case .failure = outcome else {
                    Issue.record("byte \(byte) accepted")
                    continue
                }
            }
        }
    }
}
