import HTTP1
import Testing

/// Docs/HTTP.md, Connections: pipelined requests on one connection are answered in order; bodies are consumed
/// so that the next request is read correctly. The caller drops `headLength` bytes (and the
/// body) after each head and gives the parser the rest.
@Suite("Pipelining")
struct PipeliningTests {
    @Test("pipelined requests in one buffer parse one after the other using headLength")
    func pipelinedHeads() {
        let requests = [
            "GET /a HTTP/1.1\r\nHost: h\r\n\r\n",
            "HEAD /b?x HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n",
            "\r\nGET http://h/c HTTP/1.1\nHost: h\n\n",
            "GET /d HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
            "OPTIONS * HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
        ]
        var buffer = bytes(requests.joined())
        var parser = RequestParser()
        var heads: [RequestHead] = []
        for request in requests {
            guard case .complete(let head, let headLength) = parser.parse(buffer.span) else {
                Issue.record("expected a head for \(request)")
                return
            }
            #expect(headLength == request.utf8.count)
            #expect(!parser.hasPartialRequest)
            heads.append(head)
            buffer.removeFirst(headLength)
        }
        #expect(buffer.isEmpty)
        #expect(parser.parse(buffer.span) == .needMoreData)
        #expect(heads.map(\.method) == ["GET", "HEAD", "GET", "GET", "OPTIONS"])
        #expect(heads.map(\.path) == ["/a", "/b", "/c", "/d", "*"])
        #expect(heads.map(\.keepAlive) == [true, true, true, true, false])
        #expect(heads.map(\.keepAliveRequested) == [false, false, false, true, false])
        #expect(heads.map(\.version) == [.http1_1, .http1_1, .http1_1, .http1_0, .http1_1])
    }

    @Test("a request with a Content-Length body, then another request: the body is skipped exactly")
    func bodyThenNextRequest() {
        var buffer = bytes("POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello=worldGET /next HTTP/1.1\r\nHost: h\r\n\r\n")
        var parser = RequestParser()
        guard case .complete(let first, let headLength) = parser.parse(buffer.span) else {
            Issue.record("expected the POST head")
            return
        }
        #expect(first.framing == .contentLength(11))
        buffer.removeFirst(headLength)
        var body = BodyDecoder(framing: first.framing, maxBodyBytes: parser.limits.maxBodyBytes)
        #expect(body.consume(buffer.span) == .complete(consumed: 11))
        buffer.removeFirst(11)
        guard case .complete(let second, let secondLength) = parser.parse(buffer.span) else {
            Issue.record("expected the GET head")
            return
        }
        #expect(second.path == "/next")
        #expect(secondLength == buffer.count)
    }

    @Test("the request stream answers pipelined requests in order, bodies included")
    func driverInOrder() {
        let stream = bytes(
            "POST /1 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
                + "POST /2 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nxyz\r\n0\r\n\r\n"
                + "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n")
        let summary = driveWhole(stream)
        #expect(summary.heads.map(\.path) == ["/1", "/2", "/3"])
        #expect(summary.position == .betweenRequests && !summary.hasUnansweredBytes)
        // Each request is reported at its last byte: a body ends exactly where its framing says.
        let ends = [51, 51 + 70, stream.count]
        #expect(driveByteByByte(stream).reportedAt == ends)
    }

    @Test("an error in a later request leaves the earlier heads intact")
    func errorAfterGoodRequests() {
        let stream = bytes("GET /ok HTTP/1.1\r\nHost: h\r\n\r\nGET  /bad HTTP/1.1\r\nHost: h\r\n\r\nGET /never HTTP/1.1\r\nHost: h\r\n\r\n")
        let summary = driveWhole(stream)
        #expect(summary.events.count == 2)
        #expect(summary.refusal == .malformedRequestLine)
        #expect(summary.events.first == .request(RequestHead(method: "GET", target: "/ok", path: "/ok", version: .http1_1, keepAlive: true)))
    }

    @Test("the parser is reusable after a failure")
    func reusableAfterFailure() {
        var parser = RequestParser()
        #expect(parser.parse(bytes("GET  / HTTP/1.1\r\n").span) == .failure(.malformedRequestLine))
        #expect(!parser.hasPartialRequest)
        guard case .complete = parser.parse(bytes("GET / HTTP/1.1\r\nHost: h\r\n\r\n").span) else {
            Issue.record("a fresh request after a failure must parse")
            return
        }
    }

    @Test("hasPartialRequest tracks whether a request has begun")
    func hasPartialRequest() {
        var parser = RequestParser()
        #expect(!parser.hasPartialRequest)
        #expect(parser.parse(bytes("GET / HT").span) == .needMoreData)
        #expect(parser.hasPartialRequest)
        guard case .complete = parser.parse(bytes("GET / HTTP/1.1\r\nHost: h\r\n\r\n").span) else {
            Issue.record("expected a complete head")
            return
        }
        #expect(!parser.hasPartialRequest)
    }
}
