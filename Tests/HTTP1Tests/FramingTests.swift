import HTTP1
import Testing

/// Docs/HTTP.md, Header fields: Content-Length must be a non-empty string of ASCII digits (identical repeats on
/// separate lines accepted, a comma list or different values 400); Transfer-Encoding and
/// Content-Length together 400; TE must end in a single `chunked` (400), other codings before
/// it 501; a larger Content-Length than `--max-body-bytes` 413, decided as soon as it is known.
@Suite("Body framing")
struct FramingTests {
    private static func post(_ fields: String, version: String = "HTTP/1.1") -> String {
        "POST /form \(version)\r\nHost: h\r\n\(fields)\r\n"
    }

    // MARK: Content-Length

    static let validLengths: [(fields: String, framing: BodyFraming)] = [
        ("Content-Length: 5\r\n", .contentLength(5)),
        ("Content-Length: 0\r\n", .none),
        ("Content-Length: 000\r\n", .none),
        ("Content-Length: 007\r\n", .contentLength(7)),
        ("Content-Length:12\r\n", .contentLength(12)),
        ("Content-Length: \t 1048576 \t\r\n", .contentLength(1_048_576)),
        ("content-length: 3\r\n", .contentLength(3)),
        ("CONTENT-LENGTH: 3\r\n", .contentLength(3)),
        ("Content-Length: 5\r\nContent-Length: 5\r\n", .contentLength(5)),
        ("Content-Length: 5\r\nX: y\r\ncontent-length: 5\r\n", .contentLength(5)),
        ("Content-Length: 0\r\nContent-Length: 0\r\n", .none),
        ("", .none),
    ]

    @Test("valid Content-Length values", arguments: validLengths)
    func validContentLength(fields: String, framing: BodyFraming) {
        #expect(expectHead(Self.post(fields))?.framing == framing)
    }

    @Test("a Content-Length that is not a non-empty string of digits is .invalidContentLength (400)", arguments: [
        "-1", "+5", "5 5", "", "0x10", "5, 5", "5,5", ",5", "5,", "abc", "5a", "1e3", "1.0", "\"5\"",
        "\u{0661}", "５", "- 5",
    ])
    func invalidContentLength(value: String) {
        expectFailure(Self.post("Content-Length: \(value)\r\n"), .invalidContentLength, status: 400)
        // Decided at the header line, before the blank line.
        expectFailure("POST / HTTP/1.1\r\nContent-Length: \(value)\r\n", .invalidContentLength, status: 400)
    }

    @Test("Content-Length twice with different values is .conflictingContentLength (400)", arguments: [
        ("5", "6"), ("0", "1"), ("10", "1"), ("1", "0"),
    ])
    func conflictingContentLength(first: String, second: String) {
        let fields = "Content-Length: \(first)\r\nContent-Length: \(second)\r\n"
        expectFailure(Self.post(fields), .conflictingContentLength, status: 400)
        expectFailure("POST / HTTP/1.1\r\n\(fields)", .conflictingContentLength, status: 400)
    }

    @Test("a second Content-Length that is not digits is .invalidContentLength")
    func secondInvalid() {
        expectFailure(Self.post("Content-Length: 5\r\nContent-Length: 5, 5\r\n"), .invalidContentLength, status: 400)
    }

    @Test("a Content-Length above maxBodyBytes is .bodyTooLarge (413), decided at its line", arguments: [
        "99999999999999999999999", "9223372036854775807", "9223372036854775808", "18446744073709551616",
        "1048577", "2000000", "0000000000000000000000000000001048577",
    ])
    func contentLengthTooLarge(value: String) {
        expectFailure(Self.post("Content-Length: \(value)\r\n"), .bodyTooLarge, status: 413)
        // No blank line yet: the length alone decides.
        expectFailure("POST / HTTP/1.1\r\nContent-Length: \(value)\r\n", .bodyTooLarge, status: 413)
    }

    @Test("Content-Length exactly maxBodyBytes is accepted, one more is 413")
    func contentLengthAtLimit() {
        let limits = ParserLimits(maxHeaderBytes: 8192, maxBodyBytes: 100)
        #expect(expectHead(Self.post("Content-Length: 100\r\n"), limits: limits)?.framing == .contentLength(100))
        expectFailure(Self.post("Content-Length: 101\r\n"), .bodyTooLarge, status: 413, limits: limits)
        let zeroLimits = ParserLimits(maxHeaderBytes: 8192, maxBodyBytes: 0)
        #expect(expectHead(Self.post("Content-Length: 0\r\n"), limits: zeroLimits)?.framing == BodyFraming.none)
        expectFailure(Self.post("Content-Length: 1\r\n"), .bodyTooLarge, status: 413, limits: zeroLimits)
    }

    // MARK: Transfer-Encoding

    @Test("Transfer-Encoding: chunked (any letter case, OWS, empty list elements) frames the body as chunked", arguments: [
        "Transfer-Encoding: chunked\r\n",
        "Transfer-Encoding: CHUNKED\r\n",
        "Transfer-Encoding: Chunked\r\n",
        "transfer-encoding: chunked\r\n",
        "Transfer-Encoding:chunked\r\n",
        "Transfer-Encoding: \t chunked \t\r\n",
        "Transfer-Encoding: , chunked,\r\n",
        "Transfer-Encoding: chunked\r\nX-Other: gzip\r\n",
    ])
    func chunked(fields: String) {
        #expect(expectHead(Self.post(fields))?.framing == .chunked)
    }

    @Test("a Transfer-Encoding whose last coding is not chunked is 400", arguments: [
        "Transfer-Encoding: gzip\r\n",
        "Transfer-Encoding: chunked, gzip\r\n",
        "Transfer-Encoding: identity\r\n",
        "Transfer-Encoding: chunked;q=1\r\n",
        "Transfer-Encoding: chunkedx\r\n",
        "Transfer-Encoding:\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n",
    ])
    func notEndingInChunked(fields: String) {
        expectFailure(Self.post(fields), .transferEncodingNotEndingInChunked, status: 400)
    }

    @Test("chunked given twice is .chunkedTwice (400), decided at the line that repeats it", arguments: [
        "Transfer-Encoding: chunked, chunked\r\n",
        "Transfer-Encoding: chunked,CHUNKED\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nX: y\r\nTransfer-Encoding: Chunked\r\n",
        "Transfer-Encoding: gzip, chunked, chunked\r\n",
        "Transfer-Encoding: chunked, gzip, chunked\r\n",
    ])
    func chunkedTwice(fields: String) {
        expectFailure(Self.post(fields), .chunkedTwice, status: 400)
        expectFailure("POST / HTTP/1.1\r\n\(fields)", .chunkedTwice, status: 400)
    }

    @Test("codings before a final chunked are .unsupportedTransferCoding (501)", arguments: [
        "Transfer-Encoding: gzip, chunked\r\n",
        "Transfer-Encoding: deflate, chunked\r\n",
        "Transfer-Encoding: gzip, br, chunked\r\n",
        "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: identity, CHUNKED\r\n",
    ])
    func unsupportedCoding(fields: String) {
        expectFailure(Self.post(fields), .unsupportedTransferCoding, status: 501)
    }

    @Test("Transfer-Encoding with Content-Length is .contentLengthWithTransferEncoding (400)", arguments: [
        "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
        "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n",
        "Content-Length: 5\r\nTransfer-Encoding: gzip\r\n",
        "Content-Length: 5\r\nTransfer-Encoding: gzip, chunked\r\n",
    ])
    func transferEncodingAndContentLength(fields: String) {
        expectFailure(Self.post(fields), .contentLengthWithTransferEncoding, status: 400)
    }

    @Test("Transfer-Encoding in an HTTP/1.0 request is .transferEncodingInHTTP10 (400)", arguments: [
        "Transfer-Encoding: chunked\r\n", "Transfer-Encoding: gzip\r\n", "Transfer-Encoding: gzip, chunked\r\n",
    ])
    func transferEncodingInHTTP10(fields: String) {
        expectFailure(Self.post(fields, version: "HTTP/1.0"), .transferEncodingInHTTP10, status: 400)
        expectFailure("POST / HTTP/1.0\r\n\(fields)\r\n", .transferEncodingInHTTP10, status: 400)
    }

    @Test("a GET may carry a body too; its framing is reported")
    func getWithBody() {
        #expect(expectHead("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n")?.framing == .contentLength(3))
        #expect(expectHead("GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")?.framing == .chunked)
    }
}
