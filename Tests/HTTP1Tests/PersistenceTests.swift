import HTTP1
import Testing

/// Docs/HTTP.md, Connections: HTTP/1.1 is persistent unless `Connection: close`; HTTP/1.0 closes unless the
/// request says `Connection: keep-alive`, which the response then confirms. `Expect:
/// 100-continue` is reported (RFC 9110 §10.1.1).
@Suite("Keep-alive and Expect")
struct PersistenceTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let version: String
        let fields: String
        let keepAlive: Bool
        let keepAliveRequested: Bool
        var testDescription: String { "\(version) [\(fields.replacing("\r\n", with: " | "))] -> keepAlive \(keepAlive), requested \(keepAliveRequested)" }
    }

    static let cases: [Case] = [
        // HTTP/1.1: persistent by default.
        Case(version: "HTTP/1.1", fields: "", keepAlive: true, keepAliveRequested: false),
        Case(version: "HTTP/1.1", fields: "Connection: keep-alive\r\n", keepAlive: true, keepAliveRequested: false),
        Case(version: "HTTP/1.1", fields: "Connection: upgrade\r\n", keepAlive: true, keepAliveRequested: false),
        Case(version: "HTTP/1.1", fields: "Connection: closed\r\n", keepAlive: true, keepAliveRequested: false),
        Case(version: "HTTP/1.1", fields: "X-Connection: close\r\n", keepAlive: true, keepAliveRequested: false),
        Case(version: "HTTP/1.1", fields: "Connection: close\r\n", keepAlive: false, keepAliveRequested: false),
        Case(version: "HTTP/1.1", fields: "Connection: Close\r\n", keepAlive: false, keepAliveRequested: false),
        Case(version: "HTTP/1.1", fields: "connection: CLOSE\r\n", keepAlive: false, keepAliveRequested: false),
        Case(version: "HTTP/1.1", fields: "Connection: foo, Close\r\n", keepAlive: false, keepAliveRequested: false),
        Case(version: "HTTP/1.1", fields: "Connection: close, keep-alive\r\n", keepAlive: false, keepAliveRequested: false),
        Case(version: "HTTP/1.1", fields: "Connection: keep-alive\r\nConnection: close\r\n", keepAlive: false, keepAliveRequested: false),
        Case(version: "HTTP/1.1", fields: "Connection:\tclose\t\r\n", keepAlive: false, keepAliveRequested: false),
        // HTTP/1.0: closes by default; keep-alive on request, and then confirmed.
        Case(version: "HTTP/1.0", fields: "", keepAlive: false, keepAliveRequested: false),
        Case(version: "HTTP/1.0", fields: "Connection: close\r\n", keepAlive: false, keepAliveRequested: false),
        Case(version: "HTTP/1.0", fields: "Connection: keep-alive\r\n", keepAlive: true, keepAliveRequested: true),
        Case(version: "HTTP/1.0", fields: "Connection: Keep-Alive\r\n", keepAlive: true, keepAliveRequested: true),
        Case(version: "HTTP/1.0", fields: "Connection: foo, keep-alive\r\n", keepAlive: true, keepAliveRequested: true),
        Case(version: "HTTP/1.0", fields: "Connection: keep-alive, close\r\n", keepAlive: false, keepAliveRequested: false),
        Case(version: "HTTP/1.0", fields: "Connection: keep-alive\r\nConnection: close\r\n", keepAlive: false, keepAliveRequested: false),
        Case(version: "HTTP/1.0", fields: "Keep-Alive: timeout=5\r\n", keepAlive: false, keepAliveRequested: false),
        Case(version: "HTTP/1.0", fields: "Connection: keep-alives\r\n", keepAlive: false, keepAliveRequested: false),
    ]

    @Test("persistence follows the version and the Connection header", arguments: cases)
    func persistence(testCase: Case) {
        let head = expectHead("GET / \(testCase.version)\r\nHost: h\r\n\(testCase.fields)\r\n")
        #expect(head?.keepAlive == testCase.keepAlive)
        #expect(head?.keepAliveRequested == testCase.keepAliveRequested)
    }

    @Test("Expect: 100-continue sets expectsContinue on HTTP/1.1", arguments: [
        "Expect: 100-continue\r\n", "expect: 100-Continue\r\n", "Expect:  100-CONTINUE \r\n",
    ])
    func expectContinue(fields: String) {
        let head = expectHead("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\(fields)\r\n")
        #expect(head?.expectsContinue == true)
    }

    @Test("other expectations and no Expect leave expectsContinue false", arguments: [
        "", "Expect: 200-ok\r\n", "Expect: 100-continue-ish\r\n", "X-Expect: 100-continue\r\n",
    ])
    func noExpectContinue(fields: String) {
        let head = expectHead("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\(fields)\r\n")
        #expect(head?.expectsContinue == false)
    }

    /// RFC 9110 §10.1.1: "A server that receives a 100-continue expectation in an HTTP/1.0
    /// request MUST ignore that expectation."
    @Test("an HTTP/1.0 100-continue expectation is ignored")
    func expectContinueHTTP10() {
        let head = expectHead("POST / HTTP/1.0\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
        #expect(head?.expectsContinue == false)
    }
}
