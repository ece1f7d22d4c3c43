import HTTP1
import Testing

/// BodyDecoder: Content-Length and chunked bodies (RFC 9112 §6.3, §7.1) are consumed exactly,
/// within `--max-body-bytes`; broken chunked framing is 400 (a chunk-size line is
/// `HEX [ chunk-ext ] CRLF`, a trailer line a field line), a chunk size of more than 16 hex
/// digits 400, a size line or trailer section past 8192 bytes 400, a decoded total over the
/// limit 413.
@Suite("Body decoder")
struct BodyDecoderTests {
    /// The bytes of the next request, which must never be consumed as body.
    static let next = bytes("GET /next HTTP/1.1\r\nHost: h\r\n\r\n")

    /// Feeds `input` in the given pieces; returns every progress report.
    static func feed(_ input: [UInt8], pieces: [Int], framing: BodyFraming, maxBodyBytes: Int = 1_048_576) -> [BodyDecoder.Progress] {
        var decoder = BodyDecoder(framing: framing, maxBodyBytes: maxBodyBytes)
        var buffer: [UInt8] = []
        var start = 0
        var reports: [BodyDecoder.Progress] = []
        for size in pieces + [input.count] where start < input.count || reports.isEmpty {
            let end = min(input.count, start + size)
            buffer += input[start..<end]
            start = end
            let progress = decoder.consume(buffer.span)
            reports.append(progress)
            switch progress {
            case .needMoreData(let consumed): buffer.removeFirst(consumed)
            case .complete, .failure: return reports
            }
        }
        return reports
    }

    // MARK: No body, Content-Length

    @Test("no body: complete at once, consuming nothing")
    func noBody() {
        var decoder = BodyDecoder(framing: .none, maxBodyBytes: 100)
        #expect(decoder.isComplete)
        #expect(decoder.consume(Self.next.span) == .complete(consumed: 0))
        #expect(decoder.consume([UInt8]().span) == .complete(consumed: 0))
        var zero = BodyDecoder(framing: .contentLength(0), maxBodyBytes: 100)
        #expect(zero.isComplete)
        #expect(zero.consume(Self.next.span) == .complete(consumed: 0))
    }

    @Test("a Content-Length body arriving in pieces")
    func contentLengthInPieces() {
        var decoder = BodyDecoder(framing: .contentLength(10), maxBodyBytes: 100)
        #expect(!decoder.isComplete)
        #expect(decoder.consume([UInt8]().span) == .needMoreData(consumed: 0))
        #expect(decoder.consume(bytes("abc").span) == .needMoreData(consumed: 3))
        #expect(decoder.consume(bytes("def").span) == .needMoreData(consumed: 3))
        #expect(!decoder.isComplete)
        // The last piece carries the start of the next request: only the body is claimed.
        #expect(decoder.consume((bytes("ghij") + Self.next).span) == .complete(consumed: 4))
        #expect(decoder.isComplete)
        #expect(decoder.consume(Self.next.span) == .complete(consumed: 0))
    }

    @Test("a Content-Length body split at every point consumes exactly its length", arguments: [1, 7, 100])
    func contentLengthEverySplit(length: Int) {
        let body = [UInt8](repeating: 0x61, count: length)
        let stream = body + Self.next
        for split in 0...stream.count {
            var decoder = BodyDecoder(framing: .contentLength(length), maxBodyBytes: 1000)
            var consumed = 0
            var done = false
            for piece in [stream[0..<split], stream[split...]] where !done {
                let rest = Array(piece)
                switch decoder.consume(rest.span) {
                case .needMoreData(let count): consumed += count
                case .complete(let count): consumed += count; done = true
                case .failure(let error): Issue.record("unexpected \(error)")
                }
            }
            #expect(done && consumed == length, "split at \(split)")
        }
    }

    // MARK: Chunked, valid

    struct ChunkedCase: Sendable, CustomTestStringConvertible {
        let name: String
        let body: [UInt8]
        /// Valid bodies: the decoded size. Broken ones: the error.
        let decoded: Int
        let error: HTTPError?

        init(_ name: String, _ body: String, _ decoded: Int) {
            self.name = name
            self.body = bytes(body)
            self.decoded = decoded
            self.error = nil
        }

        init(_ name: String, _ body: String, _ error: HTTPError) {
            self.name = name
            self.body = bytes(body)
            self.decoded = 0
            self.error = error
        }

        var testDescription: String { name }
    }

    static let validChunked: [ChunkedCase] = [
        ChunkedCase("last chunk only", "0\r\n\r\n", 0),
        ChunkedCase("one chunk", "5\r\nhello\r\n0\r\n\r\n", 5),
        ChunkedCase("two chunks", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 11),
        ChunkedCase("lowercase hex", "a\r\n0123456789\r\n0\r\n\r\n", 10),
        ChunkedCase("uppercase hex", "A\r\n0123456789\r\n0\r\n\r\n", 10),
        ChunkedCase("two-digit size", "1f\r\n" + String(repeating: "x", count: 31) + "\r\n0\r\n\r\n", 31),
        ChunkedCase("16 hex digits", "0000000000000005\r\nhello\r\n0000000000000000\r\n\r\n", 5),
        ChunkedCase("extension", "5;name=value\r\nhello\r\n0\r\n\r\n", 5),
        ChunkedCase("extensions with quotes", "5;a=\"b;c\";d\r\nhello\r\n0;e=f\r\n\r\n", 5),
        ChunkedCase("BWS before extension", "5 ;a=b\r\nhello\r\n0\t;c\r\n\r\n", 5),
        ChunkedCase("one trailer", "5\r\nhello\r\n0\r\nExpires: never\r\n\r\n", 5),
        ChunkedCase("two trailers", "3\r\nabc\r\n0\r\nX-A: 1\r\nX-B: 2\r\n\r\n", 3),
        ChunkedCase("extension and trailers", "3;x\r\nabc\r\n0;y=z\r\nX: 1\r\n\r\n", 3),
        ChunkedCase("data with CR LF inside", "4\r\n\r\n\r\n\r\n0\r\n\r\n", 4),
        // RFC 9112 §7.1.1: *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )
        ChunkedCase("BWS around = and ;", "5 ; a = b ;c\t=\td\r\nhello\r\n0\r\n\r\n", 5),
        ChunkedCase("several extensions", "5;a;b=c;d=\"e\";f\r\nhello\r\n0\r\n\r\n", 5),
        ChunkedCase("quoted value with an escaped quote", "5;a=\"x\\\"y\"\r\nhello\r\n0\r\n\r\n", 5),
        ChunkedCase("quoted value with spaces, ; and =", "5;a=\"b c; d=e\"\r\nhello\r\n0\r\n\r\n", 5),
        ChunkedCase("empty quoted value", "5;a=\"\"\r\nhello\r\n0\r\n\r\n", 5),
        ChunkedCase("quoted value with obs-text", "5;a=\"caf\u{e9}\"\r\nhello\r\n0\r\n\r\n", 5),
        ChunkedCase("token characters in name and value", "5;!#$%&'*+-.^_`|~=!#$%&'*+-.^_`|~\r\nhello\r\n0\r\n\r\n", 5),
        // Trailer lines are field lines.
        ChunkedCase("trailer with an empty value", "0\r\nX:\r\n\r\n", 0),
        ChunkedCase("trailer with OWS, HTAB and obs-text", "0\r\nX-T: \tv\u{e9} 1\t \r\n\r\n", 0),
        ChunkedCase("trailer value with a colon", "0\r\nX-Time: 12:30:00\r\n\r\n", 0),
    ]

    @Test("valid chunked bodies are consumed exactly, leaving the next request", arguments: validChunked)
    func validChunkedBodies(testCase: ChunkedCase) {
        let bodyBytes = testCase.body, decoded = testCase.decoded
        #expect(consumeWhole(bodyBytes + Self.next, framing: .chunked) == .complete(consumed: bodyBytes.count))
        // With a limit of exactly the decoded size.
        #expect(consumeWhole(bodyBytes, framing: .chunked, maxBodyBytes: decoded) == .complete(consumed: bodyBytes.count))
        // Byte by byte: only the last byte completes it, and nothing is claimed beyond it.
        var decoder = BodyDecoder(framing: .chunked, maxBodyBytes: 1000)
        for (index, byte) in bodyBytes.enumerated() {
            let progress = decoder.consume([byte].span)
            if index == bodyBytes.count - 1 {
                #expect(progress == .complete(consumed: 1))
            } else {
                #expect(progress == .needMoreData(consumed: 1), "byte \(index)")
            }
        }
        #expect(decoder.consume(Self.next.span) == .complete(consumed: 0))
    }

    @Test("valid chunked bodies split at every point complete after exactly their bytes", arguments: validChunked)
    func validChunkedEverySplit(testCase: ChunkedCase) {
        let stream = testCase.body + Self.next
        for split in 0...stream.count {
            let reports = Self.feed(stream, pieces: [split], framing: .chunked)
            var consumed = 0
            for report in reports {
                switch report {
                case .needMoreData(let count), .complete(let count): consumed += count
                case .failure(let error): Issue.record("split at \(split): \(error)")
                }
            }
            guard case .complete = reports.last else {
                Issue.record("split at \(split): not complete: \(reports)")
                continue
            }
            #expect(consumed == testCase.body.count, "split at \(split)")
        }
    }

    @Test("many small chunks within the limit are accepted (the framing budget is per chunk, not per body)")
    func manySmallChunks() {
        let body = bytes(String(repeating: "1\r\nx\r\n", count: 20_000) + "0\r\n\r\n")
        #expect(consumeWhole(body + Self.next, framing: .chunked) == .complete(consumed: body.count))
        let bigger = bytes(String(repeating: "200;ext=value\r\n" + String(repeating: "y", count: 512) + "\r\n", count: 2048) + "0\r\n\r\n")
        #expect(consumeWhole(bigger, framing: .chunked, maxBodyBytes: 1_048_576) == .complete(consumed: bigger.count))
    }

    // MARK: Chunked, invalid

    static let brokenChunked: [ChunkedCase] = [
        ChunkedCase("17 hex digits", "00000000000000005\r\nhello\r\n0\r\n\r\n", .chunkSizeTooLong),
        ChunkedCase("17 zeros", "00000000000000000\r\n\r\n", .chunkSizeTooLong),
        ChunkedCase("17 digits in a later chunk", "1\r\na\r\n10000000000000000\r\n", .chunkSizeTooLong),
        ChunkedCase("non-hex size", "zz\r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("hex then junk", "5g\r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("empty size", "\r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("signed size", "+5\r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("negative size", "-5\r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("0x prefix", "0x5\r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("leading space", " 5\r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("missing CRLF after data", "5\r\nhelloX\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("data longer than size", "3\r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("LF only after data", "5\r\nhello\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("CR only after data", "5\r\nhello\r0\r\n\r\n", .malformedChunk),
        ChunkedCase("LF only after size", "5\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("CR without LF after size", "5\rhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("LF only after last chunk", "0\n\r\n", .malformedChunk),
        ChunkedCase("LF only ends trailers", "0\r\n\n", .malformedChunk),
        ChunkedCase("LF only after a trailer", "0\r\nX: y\n\r\n", .malformedChunk),
        ChunkedCase("CR without LF in trailers", "0\r\nX: y\rz\r\n\r\n", .malformedChunk),
        ChunkedCase("control byte in extension", "5;\u{01}\r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("LF in extension", "5;a\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("NUL in extension", "5;a\0\r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("NUL in trailer", "0\r\nX: \0\r\n\r\n", .malformedChunk),
        ChunkedCase("NUL starting a trailer", "0\r\n\0\r\n\r\n", .malformedChunk),
        // Anything after the size that is not an extension (RFC 9112 §7.1.1).
        ChunkedCase("a word after the size", "2 erf\r\nab\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("whitespace after the size, no extension", "5 \r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("tab after the last chunk's size", "0\t\r\n\r\n", .malformedChunk),
        ChunkedCase("whitespace after an extension name", "5;a \r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("whitespace after a token value", "5;a=b \r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("whitespace after a quoted value", "5;a=\"b\" \r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("empty extension", "5;\r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("two semicolons", "5;;a\r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("extension without a name", "5;=b\r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("= without a value", "5;a=\r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("two =", "5;a==b\r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("value that is not a token", "5;a=b/c\r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("comma between extensions", "5;a,b\r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("text after a quoted value", "5;a=\"b\"c\r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("unterminated quoted value", "5;a=\"b\r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("control byte in a quoted value", "5;a=\"\u{01}\"\r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("DEL after a backslash", "5;a=\"\\\u{7F}\"\r\nhello\r\n0\r\n\r\n", .malformedChunk),
        ChunkedCase("extension on a line of its own", "5\r\n;a\r\nhello\r\n0\r\n\r\n", .malformedChunk),
        // Trailer lines held to the header lines' rules.
        ChunkedCase("trailer without a colon", "0\r\nNoColon\r\n\r\n", .malformedChunk),
        ChunkedCase("trailer with whitespace before the colon", "0\r\nX : y\r\n\r\n", .malformedChunk),
        ChunkedCase("trailer with a tab before the colon", "0\r\nX\t: y\r\n\r\n", .malformedChunk),
        ChunkedCase("trailer obs-fold", "0\r\nX: y\r\n z\r\n\r\n", .malformedChunk),
        ChunkedCase("trailer starting with a tab", "0\r\n\tX: y\r\n\r\n", .malformedChunk),
        ChunkedCase("trailer with an empty name", "0\r\n: y\r\n\r\n", .malformedChunk),
        ChunkedCase("trailer name not a token", "0\r\nX(y): z\r\n\r\n", .malformedChunk),
        ChunkedCase("trailer name not ASCII", "0\r\n\u{dc}ber: z\r\n\r\n", .malformedChunk),
        ChunkedCase("control byte in a trailer value", "0\r\nX: a\u{01}b\r\n\r\n", .malformedChunk),
        ChunkedCase("ESC in a trailer value", "0\r\nX: \u{1B}[31m\r\n\r\n", .malformedChunk),
        ChunkedCase("DEL in a trailer value", "0\r\nX: a\u{7F}\r\n\r\n", .malformedChunk),
    ]

    @Test("broken chunked framing is refused with its exact error (400)", arguments: brokenChunked)
    func brokenChunkedBodies(testCase: ChunkedCase) {
        let input = testCase.body
        let error = testCase.error!
        #expect(consumeWhole(input, framing: .chunked) == .failure(error))
        #expect(error.status.code == 400)
        // However it arrives.
        for split in 0...input.count {
            #expect(Self.feed(input, pieces: [split], framing: .chunked).last == .failure(error), "split at \(split)")
        }
        #expect(Self.feed(input, pieces: Array(repeating: 1, count: input.count), framing: .chunked).last == .failure(error))
    }

    @Test("16 hex digits too large for the limit are .bodyTooLarge, not a crash", arguments: [
        "FFFFFFFFFFFFFFFF", "7FFFFFFFFFFFFFFF", "8000000000000000", "0000000000100001",
    ])
    func hugeSixteenDigitSize(size: String) {
        expectBodyTooLarge(consumeWhole(bytes("\(size)\r\n"), framing: .chunked))
    }

    @Test("the decoded total is limited: exactly the limit is fine, one more is .bodyTooLarge (413) at the size line")
    func decodedTotalLimit() {
        let limit = 64
        let exact = bytes("20\r\n" + String(repeating: "a", count: 32) + "\r\n20\r\n" + String(repeating: "b", count: 32) + "\r\n0\r\n\r\n")
        #expect(consumeWhole(exact, framing: .chunked, maxBodyBytes: limit) == .complete(consumed: exact.count))
        // The second size line alone pushes the total past the limit; its data never has to arrive.
        let over = bytes("20\r\n" + String(repeating: "a", count: 32) + "\r\n21\r\n")
        expectBodyTooLarge(consumeWhole(over, framing: .chunked, maxBodyBytes: limit))
        // A single chunk larger than the limit, before any data.
        expectBodyTooLarge(consumeWhole(bytes("41\r\n"), framing: .chunked, maxBodyBytes: limit))
        expectBodyTooLarge(consumeWhole(bytes("41;ext\r\n"), framing: .chunked, maxBodyBytes: limit))
        // A limit of zero allows only the last chunk.
        #expect(consumeWhole(bytes("0\r\n\r\n"), framing: .chunked, maxBodyBytes: 0) == .complete(consumed: 5))
        expectBodyTooLarge(consumeWhole(bytes("1\r\n"), framing: .chunked, maxBodyBytes: 0))
    }

    @Test("endless framing with no body progress is .chunkFramingTooLong (400)")
    func endlessFraming() {
        let longExtension = bytes("5;" + String(repeating: "e", count: 10_000) + "\r\nhello\r\n0\r\n\r\n")
        #expect(consumeWhole(longExtension, framing: .chunked) == .failure(.chunkFramingTooLong))
        let endlessTrailers = bytes("0\r\n" + String(repeating: "X-Trailer: value\r\n", count: 1000) + "\r\n")
        #expect(consumeWhole(endlessTrailers, framing: .chunked) == .failure(.chunkFramingTooLong))
        #expect(HTTPError.chunkFramingTooLong.status.code == 400)
    }

    @Test("a chunk-size line is bounded at 8192 bytes, extensions and CRLF included, whatever its pieces")
    func chunkSizeLineBound() {
        // `5;e=` + value + CRLF: exactly 8192 bytes is fine, one more is refused at that byte.
        func line(_ length: Int) -> [UInt8] { bytes("5;e=" + String(repeating: "v", count: length - 6) + "\r\n") }
        let atBound = line(8192) + bytes("hello\r\n0\r\n\r\n")
        #expect(consumeWhole(atBound, framing: .chunked) == .complete(consumed: atBound.count))
        let overBound = line(8193)
        #expect(consumeWhole(overBound, framing: .chunked) == .failure(.chunkFramingTooLong))
        #expect(Self.feed(overBound, pieces: Array(repeating: 100, count: 90), framing: .chunked).last == .failure(.chunkFramingTooLong))
        // Every later size line has the same bound, whatever came before it.
        let later = bytes("3\r\nabc\r\n") + line(8192) + bytes("hello\r\n") + line(8192) + bytes("hello\r\n0\r\n\r\n")
        #expect(consumeWhole(later, framing: .chunked) == .complete(consumed: later.count))
        let laterOver = bytes("3\r\nabc\r\n") + line(8193)
        #expect(consumeWhole(laterOver, framing: .chunked) == .failure(.chunkFramingTooLong))
        // The last chunk's line and the trailers share one budget.
        let trailers = bytes("0\r\n") + bytes("X: " + String(repeating: "t", count: 8192 - 3 - 5 - 2) + "\r\n") + bytes("\r\n")
        #expect(trailers.count == 8192)
        #expect(consumeWhole(trailers, framing: .chunked) == .complete(consumed: trailers.count))
        let trailersOver = bytes("0\r\n") + bytes("X: " + String(repeating: "t", count: 8192 - 3 - 5 - 1) + "\r\n") + bytes("\r\n")
        #expect(consumeWhole(trailersOver, framing: .chunked) == .failure(.chunkFramingTooLong))
        // A stream that never ends its line is refused once past the bound, not read forever.
        var decoder = BodyDecoder(framing: .chunked, maxBodyBytes: 1000)
        #expect(decoder.consume(bytes("5;e=").span) == .needMoreData(consumed: 4))
        var refused = false
        for _ in 0..<100 where !refused {
            if case .failure(let error) = decoder.consume([UInt8](repeating: 0x76, count: 1000).span) {
                #expect(error == .chunkFramingTooLong)
                refused = true
            }
        }
        #expect(refused)
    }

    private func expectBodyTooLarge(_ progress: BodyDecoder.Progress, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(progress == .failure(.bodyTooLarge), sourceLocation: sourceLocation)
        #expect(HTTPError.bodyTooLarge.status.code == 413, sourceLocation: sourceLocation)
    }
}
