import HTTP1
import Testing

/// The parser's invariant: the outcome depends only on the bytes, never on how they were
/// split. Each stream is fed whole, split at every single point, byte by byte, and in random
/// pieces; the server's `RequestStream` must report the same events (up to the Expect rule).
@Suite("Split property")
struct SplitPropertyTests {
    struct Stream: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        let limits: ParserLimits
        /// Valid streams: the paths of the heads, in order. Invalid ones: the error at the end.
        let paths: [String]
        let error: HTTPError?

        init(_ name: String, _ text: String, paths: [String], limits: ParserLimits = ParserLimits()) {
            self.init(name, HTTP1Tests.bytes(text), paths: paths, error: nil, limits: limits)
        }

        init(_ name: String, _ text: String, error: HTTPError, paths: [String] = [], limits: ParserLimits = ParserLimits()) {
            self.init(name, HTTP1Tests.bytes(text), paths: paths, error: error, limits: limits)
        }

        init(_ name: String, _ bytes: [UInt8], paths: [String], error: HTTPError?, limits: ParserLimits) {
            self.name = name
            self.bytes = bytes
            self.paths = paths
            self.error = error
            self.limits = limits
        }

        var testDescription: String { name }
    }

    static let valid: [Stream] = [
        Stream("one GET", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", paths: ["/"]),
        Stream(
            "three pipelined GETs",
            "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\nGET /c HTTP/1.1\r\nHost: h\r\n\r\n",
            paths: ["/a", "/b", "/c"]),
        Stream(
            "Content-Length bodies between requests",
            "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
                + "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nX"
                + "GET /c HTTP/1.1\r\nHost: h\r\n\r\n",
            paths: ["/a", "/b", "/c"]),
        Stream(
            "chunked bodies with extensions and trailers",
            "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n1A;name=value;x=\"q\"\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n"
                + "POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: CHUNKED\r\n\r\n"
                + "3\r\nabc\r\n0;last\r\nTrailer-One: 1\r\nTrailer-Two: 2\r\n\r\n"
                + "GET /c HTTP/1.1\r\nHost: h\r\n\r\n",
            paths: ["/a", "/b", "/c"]),
        Stream(
            "mixed: leading empty lines, bare LF, absolute-form, HTTP/1.0, GET with body",
            "\r\n\r\nGET http://h/x?y HTTP/1.1\nHost: h\n\n"
                + "GET /g HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n\r\n\r\n"
                + "GET /ten HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                + "POST /chunked HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
                + "0000000000000004\r\nabcd\r\n000\r\n\r\n"
                + "OPTIONS * HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
            paths: ["/x", "/g", "/ten", "/chunked", "*"]),
        Stream(
            "a body that looks like a request",
            "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 29\r\n\r\nGET /no HTTP/1.1\r\nHost: h\r\n\r\n"
                + "GET /yes HTTP/1.1\r\nHost: h\r\n\r\n",
            paths: ["/a", "/yes"]),
        Stream(
            "heads at the size limit",
            String(decoding: LimitsTests.head(length: 256) + LimitsTests.head(length: 256), as: UTF8.self),
            paths: ["/", "/"], limits: smallLimits),
        Stream(
            "ends in the middle of a head",
            "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHo",
            paths: ["/a"]),
        Stream(
            "ends in the middle of a chunked body",
            "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
            paths: []),  // reported once its body is complete
        Stream(
            "chunk extensions with BWS and quoted strings, trailer field lines, IP-literal hosts",
            "POST /a HTTP/1.1\r\nHost: [::1]:7878\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5 ; a = \"b;\\\"c\" ;d\r\nhello\r\n0;e=f\r\nX-T: 1\r\nY:\r\n\r\n"
                + "GET http://[2001:db8::1]:80/b HTTP/1.1\r\nHost: a%41.example:\r\n\r\n",
            paths: ["/a", "/b"]),
    ]

    static let invalid: [Stream] = [
        Stream("malformed request line", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", error: .malformedRequestLine),
        Stream("unsupported version", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", error: .unsupportedVersion),
        Stream("invalid target", "GET host:80 HTTP/1.1\r\nHost: h\r\n\r\n", error: .invalidTarget),
        Stream("missing Host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", error: .missingHost),
        Stream("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", error: .duplicateHost),
        Stream("Host with userinfo", "GET / HTTP/1.1\r\nHost: user@h\r\n\r\n", error: .invalidHost),
        Stream("absolute-form with an empty host", "GET http://:80/ HTTP/1.1\r\nHost: h\r\n\r\n", error: .invalidTarget),
        Stream(
            "a word after a chunk size", "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2 erf\r\nab\r\n0\r\n\r\n",
            error: .malformedChunk, paths: ["/c"]),
        Stream(
            "a trailer with whitespace before its colon",
            "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX : y\r\n\r\n",
            error: .malformedChunk, paths: ["/c"]),
        Stream(
            "an endless chunk extension",
            "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;e=" + String(repeating: "v", count: 9000),
            error: .chunkFramingTooLong, paths: ["/c"]),
        Stream("bare CR in request line", "GET / HTTP/1.1\rHost: h\r\n\r\n", error: .bareCarriageReturn),
        Stream("bare CR in a header", "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", error: .bareCarriageReturn),
        Stream("bare CR in the blank line", "GET / HTTP/1.1\r\nHost: h\r\n\r\r\n", error: .bareCarriageReturn),
        Stream("NUL in a header", "GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n", error: .nulByte),
        Stream("obs-fold", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", error: .obsoleteLineFolding),
        Stream("whitespace before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", error: .whitespaceBeforeColon),
        Stream("control byte in a value", "GET / HTTP/1.1\r\nHost: h\r\nX: \u{7F}\r\n\r\n", error: .malformedHeaderLine),
        Stream("invalid Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\nhello", error: .invalidContentLength),
        Stream(
            "conflicting Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
            error: .conflictingContentLength),
        Stream(
            "huge Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            error: .bodyTooLarge),
        Stream(
            "TE and CL", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
            error: .contentLengthWithTransferEncoding),
        Stream("TE gzip", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", error: .transferEncodingNotEndingInChunked),
        Stream("TE chunked twice", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", error: .chunkedTwice),
        Stream("TE gzip, chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", error: .unsupportedTransferCoding),
        Stream("TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", error: .transferEncodingInHTTP10),
        Stream(
            "request line too long", "GET /" + String(repeating: "a", count: 300) + " HTTP/1.1\r\nHost: h\r\n\r\n",
            error: .requestLineTooLong, limits: smallLimits),
        Stream(
            "header fields too large", "GET / HTTP/1.1\r\nHost: h\r\n" + String(repeating: "X-Field: value\r\n", count: 20) + "\r\n",
            error: .headerFieldsTooLarge, limits: smallLimits),
        Stream(
            "head one byte over the limit", String(decoding: LimitsTests.head(length: 257), as: UTF8.self),
            error: .headerFieldsTooLarge, limits: smallLimits),
        Stream(
            "bad chunk size after a good request",
            "GET /ok HTTP/1.1\r\nHost: h\r\n\r\nPOST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n",
            error: .malformedChunk, paths: ["/ok", "/c"]),
        Stream(
            "chunk size of 17 digits", "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000005\r\nhello\r\n0\r\n\r\n",
            error: .chunkSizeTooLong, paths: ["/c"]),
        Stream(
            "missing CRLF after chunk data", "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n",
            error: .malformedChunk, paths: ["/c"]),
        Stream(
            "chunked body over the limit",
            "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n" + String(repeating: "x", count: 32) + "\r\n"
                + "21\r\n" + String(repeating: "y", count: 33) + "\r\n0\r\n\r\n",
            error: .bodyTooLarge, paths: ["/c"], limits: smallLimits),
        Stream(
            "error in the third pipelined request",
            "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nPOST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nokGET /3 HTTP/1.2\r\nHost: h\r\n\r\n",
            error: .unsupportedVersion, paths: ["/1", "/2"]),
    ]

    private static func paths(_ summary: DriverSummary) -> [String] { summary.heads.map(\.path) }

    /// Checks every split of `stream` against the whole-stream run; returns that run.
    @discardableResult
    private static func checkAllSplits(_ stream: Stream, sourceLocation: SourceLocation = #_sourceLocation) -> DriverSummary {
        let whole = driveWhole(stream.bytes, limits: stream.limits)
        let byteByByte = driveByteByByte(stream.bytes, limits: stream.limits)
        #expect(agrees(byteByByte, with: whole, byteByByte: byteByByte), "byte by byte: \(byteByByte)\nwhole: \(whole)", sourceLocation: sourceLocation)
        for split in 0...stream.bytes.count {
            let summary = drive(stream.bytes, cuts: [split], limits: stream.limits)
            if !agrees(summary, with: whole, byteByByte: byteByByte) {
                Issue.record("split at \(split): \(summary)\nwhole: \(whole)", sourceLocation: sourceLocation)
                break
            }
        }
        var generator = SplitMix64(seed: UInt64(stream.bytes.count))
        for _ in 0..<50 {
            let cuts = randomCuts(count: stream.bytes.count, using: &generator)
            let summary = drive(stream.bytes, cuts: cuts, limits: stream.limits)
            if !agrees(summary, with: whole, byteByByte: byteByByte) {
                Issue.record("cuts \(cuts): \(summary)\nwhole: \(whole)", sourceLocation: sourceLocation)
                break
            }
        }
        return whole
    }

    @Test("valid streams give the same heads and bodies however they are split", arguments: valid)
    func validStreams(stream: Stream) {
        let whole = Self.checkAllSplits(stream)
        #expect(Self.paths(whole) == stream.paths)
        #expect(whole.refusal == nil)
    }

    @Test("invalid streams give the same error however they are split", arguments: invalid)
    func invalidStreams(stream: Stream) {
        let whole = Self.checkAllSplits(stream)
        #expect(whole.refusal == stream.error)
        #expect(whole.position == .ended && whole.hasUnansweredBytes)
        #expect(Self.paths(whole) == stream.paths)
    }

    @Test("the mixed stream yields exactly the expected heads")
    func mixedStreamHeads() {
        let stream = Self.valid[4]
        #expect(driveWhole(stream.bytes).heads == [
            RequestHead(method: "GET", target: "http://h/x?y", path: "/x", version: .http1_1, keepAlive: true),
            RequestHead(method: "GET", target: "/g", path: "/g", version: .http1_1, keepAlive: true, framing: .contentLength(4)),
            RequestHead(method: "GET", target: "/ten", path: "/ten", version: .http1_0, keepAlive: true, keepAliveRequested: true),
            RequestHead(
                method: "POST", target: "/chunked", path: "/chunked", version: .http1_1, keepAlive: true, framing: .chunked,
                expectsContinue: true),
            RequestHead(method: "OPTIONS", target: "*", path: "*", version: .http1_1, keepAlive: false),
        ])
    }

    @Test("a stream that stops mid-request reports it, whatever the split")
    func stopsMidRequest() {
        for stream in Self.valid where stream.name.hasPrefix("ends in the middle") {
            let whole = Self.checkAllSplits(stream)
            #expect(whole.midRequest, "\(stream.name)")
        }
    }
}
