import HTTP1
import TestSupport
import Testing

/// RequestStream: what the server does with a connection's bytes between request heads
/// (keep-alive, the Expect rule, deadlines' refusals, the end of a stream). Splits are
/// `SplitPropertyTests`'.
@Suite("Request stream")
struct RequestStreamTests {
    static let get = "GET / HTTP/1.1\r\nHost: h\r\n\r\n"
    static let getHead = RequestHead(method: "GET", target: "/", path: "/", version: .http1_1, keepAlive: true)

    private static func feed(_ stream: inout RequestStream, _ text: String) -> [RequestStream.Event] {
        var events: [RequestStream.Event] = []
        let input = bytes(text)
        stream.receive(input.span, into: &events)
        return events
    }

    @Test("a request without keep-alive ends the stream; bytes after it are unanswered")
    func keepAliveEnds() {
        var stream = RequestStream(limits: ParserLimits())
        let close = "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        #expect(Self.feed(&stream, close).count == 1)
        #expect(stream.position == .ended && !stream.hasUnansweredBytes)
        #expect(Self.feed(&stream, Self.get).isEmpty, "nothing is read after the end")
        #expect(stream.hasUnansweredBytes)

        var pipelined = RequestStream(limits: ParserLimits())
        #expect(Self.feed(&pipelined, close + Self.get).count == 1)
        #expect(pipelined.position == .ended && pipelined.hasUnansweredBytes)
    }

    @Test("one request per connection for the book's modes, whatever the client asks")
    func oneRequest() {
        var stream = RequestStream(limits: ParserLimits(), oneRequest: true)
        #expect(Self.feed(&stream, Self.get) == [.request(Self.getHead)])
        #expect(stream.position == .ended && !stream.hasUnansweredBytes)
        var pipelined = RequestStream(limits: ParserLimits(), oneRequest: true)
        #expect(Self.feed(&pipelined, Self.get + Self.get) == [.request(Self.getHead)])
        #expect(pipelined.hasUnansweredBytes)
    }

    @Test("Expect: 100-continue with no body byte yet is answered before its body and ends the stream")
    func expectContinue() {
        let head = "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"
        var alone = RequestStream(limits: ParserLimits())
        let events = Self.feed(&alone, head)
        guard case .requestBeforeItsBody(let answered)? = events.first, events.count == 1 else {
            Issue.record("expected requestBeforeItsBody, got \(events)")
            return
        }
        #expect(answered.path == "/p" && answered.expectsContinue)
        #expect(alone.position == .ended && !alone.hasUnansweredBytes)

        // The body arrived with the head: it is read, and the connection stays open.
        var withBody = RequestStream(limits: ParserLimits())
        #expect(Self.feed(&withBody, head + "abc") == [.request(answered)])
        #expect(withBody.position == .betweenRequests)

        // A head without a body does not wait for one.
        var noBody = RequestStream(limits: ParserLimits())
        let get = "GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n"
        #expect(Self.feed(&noBody, get).first?.head?.expectsContinue == true)
        #expect(noBody.position == .betweenRequests)
    }

    @Test("a deadline between requests refuses nothing; in a head it is 408 with the line so far; in a body 408 with its head")
    func expire() {
        var idle = RequestStream(limits: ParserLimits())
        _ = Self.feed(&idle, Self.get)
        #expect(idle.expire() == nil)
        #expect(idle.position == .ended)

        var head = RequestStream(limits: ParserLimits())
        _ = Self.feed(&head, "GET /slow HT")
        #expect(head.position == .inHead)
        #expect(head.expire() == .refusal(.headerTimeout, .firstLine(bytes("GET /slow HT"))))
        #expect(head.position == .ended && head.hasUnansweredBytes)

        var body = RequestStream(limits: ParserLimits())
        _ = Self.feed(&body, "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\nab")
        #expect(body.position == .inBody)
        guard case .refusal(.bodyTimeout, .head(let refused))? = body.expire() else {
            Issue.record("expected a body timeout")
            return
        }
        #expect(refused.path == "/b")
        #expect(body.hasUnansweredBytes)
    }

    @Test("a refusal keeps the head, or up to 200 bytes of the first line, for the log")
    func refusals() {
        var badLine = RequestStream(limits: ParserLimits())
        #expect(Self.feed(&badLine, "GET  / HTTP/1.1\r\nHost: h\r\n\r\n") == [.refusal(.malformedRequestLine, .firstLine(bytes("GET  / HTTP/1.1")))])
        #expect(badLine.position == .ended && badLine.hasUnansweredBytes)

        var long = RequestStream(limits: ParserLimits(maxHeaderBytes: 1000))
        let target = "/" + String(repeating: "a", count: 2000)
        guard case .refusal(.requestLineTooLong, .firstLine(let line))? = Self.feed(&long, "GET \(target) HTTP/1.1\r\n").first else {
            Issue.record("expected 414")
            return
        }
        #expect(line.count == RequestStream.firstLineLimit)

        var body = RequestStream(limits: ParserLimits())
        let events = Self.feed(&body, "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
        guard case .refusal(.malformedChunk, .head(let head))? = events.first else {
            Issue.record("expected a chunk refusal, got \(events)")
            return
        }
        #expect(head.path == "/c")
    }

    @Test("the server may end a stream: what is arriving goes unanswered")
    func endByTheServer() {
        var between = RequestStream(limits: ParserLimits())
        _ = Self.feed(&between, Self.get)
        between.end()
        #expect(between.position == .ended && !between.hasUnansweredBytes)

        var midHead = RequestStream(limits: ParserLimits())
        _ = Self.feed(&midHead, Self.get + "GET /next")
        midHead.end()
        #expect(midHead.position == .ended && midHead.hasUnansweredBytes)
    }

    @Test("only an unfinished head is buffered, and never more than the head limit")
    func bounded() {
        var stream = RequestStream(limits: ParserLimits(maxHeaderBytes: 256))
        for _ in 0..<255 { #expect(Self.feed(&stream, "a").isEmpty) }
        #expect(stream.position == .inHead)
        #expect(Self.feed(&stream, "aa") == [.refusal(.requestLineTooLong, .firstLine(Array(repeating: UInt8(ascii: "a"), count: 200)))])
    }
}

/// The shared bad-input table (TestSupport's `BadRequests`, which the server tests also send
/// over real sockets), through the stream every mode uses.
@Suite("Bad-input table")
struct BadRequestTableTests {
    @Test("each bad request is refused with its status, however it is split, and ends the stream")
    func eachIsRefused() {
        for (request, status) in BadRequests.cases {
            let input = bytes(request)
            let whole = drive(input, cuts: [], limits: BadRequests.limits)
            #expect(whole.refusal?.status.code == status, "\(request.debugDescription): \(whole)")
            #expect(whole.position == .ended && whole.hasUnansweredBytes, "\(request.debugDescription)")
            let byteByByte = drive(input, cuts: Array(input.indices.dropFirst()), limits: BadRequests.limits)
            #expect(agrees(byteByByte, with: whole, byteByByte: byteByByte), "\(request.debugDescription): \(byteByByte)")
        }
    }

    @Test("each valid neighbour is one request, read exactly")
    func neighboursAreRequests() {
        for (request, _) in BadRequests.goodCases {
            let whole = drive(bytes(request), cuts: [], limits: BadRequests.limits)
            #expect(whole.events.count == 1 && whole.refusal == nil, "\(request.debugDescription): \(whole)")
            #expect(whole.position == .betweenRequests, "\(request.debugDescription)")
        }
    }
}
