import HTTP1
import Testing

/// Docs/HTTP.md, Limits, `--max-header-bytes`: every byte from the request line through the blank line;
/// past it 414 while still in the request line, else 431, answered as soon as the limit is passed.
@Suite("Header limits")
struct LimitsTests {
    /// A head of exactly `length` bytes: request line, Host, one padding field, blank line.
    static func head(length: Int, lineEnding: String = "\r\n") -> [UInt8] {
        let start = "GET / HTTP/1.1\(lineEnding)Host: h\(lineEnding)X-Pad: "
        let end = "\(lineEnding)\(lineEnding)"
        let padding = length - start.utf8.count - end.utf8.count
        precondition(padding >= 0)
        return bytes(start + String(repeating: "a", count: padding) + end)
    }

    /// A request line (without its ending) of exactly `length` bytes.
    static func requestLine(length: Int) -> [UInt8] {
        let fixed = "GET / HTTP/1.1".utf8.count
        return bytes("GET /" + String(repeating: "a", count: length - fixed) + " HTTP/1.1")
    }

    @Test("a head of exactly maxHeaderBytes is accepted; one byte more is .headerFieldsTooLarge (431)", arguments: [
        64, 100, 256, 1000, 8192,
    ])
    func headAtLimit(limit: Int) {
        let limits = ParserLimits(maxHeaderBytes: limit, maxBodyBytes: 0)
        for ending in ["\r\n", "\n"] {
            let exact = Self.head(length: limit, lineEnding: ending)
            #expect(exact.count == limit)
            guard case .complete(_, let headLength) = parseWhole(exact, limits: limits) else {
                Issue.record("a head of exactly \(limit) bytes must be accepted")
                continue
            }
            #expect(headLength == limit)
            expectFailure(Self.head(length: limit + 1, lineEnding: ending), .headerFieldsTooLarge, status: 431, limits: limits)
        }
    }

    @Test("the default limit is 8192 bytes")
    func defaultLimit() {
        #expect(ParserLimits().maxHeaderBytes == 8192)
        #expect(ParserLimits().maxBodyBytes == 1_048_576)
        guard case .complete = parseWhole(Self.head(length: 8192)) else {
            Issue.record("a head of 8192 bytes must be accepted by default")
            return
        }
        expectFailure(Self.head(length: 8193), .headerFieldsTooLarge, status: 431)
    }

    @Test("a request line longer than maxHeaderBytes is .requestLineTooLong (414) as soon as the limit is passed")
    func requestLineTooLong() {
        let limits = smallLimits
        let max = limits.maxHeaderBytes
        let line = Self.requestLine(length: max + 1)
        // Exactly max bytes with no line ending: still waiting.
        #expect(parseWhole(Array(line.prefix(max)), limits: limits) == .needMoreData)
        // One more byte: refused without waiting for the rest of the line.
        expectFailure(Array(line.prefix(max + 1)), .requestLineTooLong, status: 414, limits: limits)
        // Incrementally: the same parser, bytes arriving in pieces.
        var parser = RequestParser(limits: limits)
        #expect(parser.parse(Array(line.prefix(10)).span) == .needMoreData)
        #expect(parser.parse(Array(line.prefix(max)).span) == .needMoreData)
        #expect(parser.parse(Array(line.prefix(max + 1)).span) == .failure(.requestLineTooLong))
        // A huge line given at once.
        expectFailure(Self.requestLine(length: 100_000), .requestLineTooLong, status: 414, limits: limits)
        expectFailure(Self.requestLine(length: 100_000), .requestLineTooLong, status: 414)
    }

    @Test("a request line whose line ending falls past the limit is 414")
    func requestLineEndingPastLimit() {
        let limits = smallLimits
        let max = limits.maxHeaderBytes
        // The line's bytes fit, but its CRLF does not.
        let line = Self.requestLine(length: max - 1) + bytes("\r\nHost: h\r\n\r\n")
        expectFailure(line, .requestLineTooLong, status: 414, limits: limits)
        let lfOnly = Self.requestLine(length: max) + bytes("\nHost: h\n\n")
        expectFailure(lfOnly, .requestLineTooLong, status: 414, limits: limits)
    }

    @Test("junk with no line ending is 414, whatever it is")
    func junkWithoutLineEnding() {
        let junk = [UInt8](repeating: 0x41, count: 300)
        expectFailure(junk, .requestLineTooLong, status: 414, limits: smallLimits)
    }

    @Test("once the request line is complete, passing the limit is .headerFieldsTooLarge (431) at once")
    func headerFieldsTooLarge() {
        let limits = smallLimits
        let max = limits.maxHeaderBytes
        // The request line fills the limit exactly (its LF is byte max); anything more is 431.
        let fullLine = Self.requestLine(length: max - 2) + bytes("\r\n")
        #expect(parseWhole(fullLine, limits: limits) == .needMoreData)
        expectFailure(fullLine + bytes("H"), .headerFieldsTooLarge, status: 431, limits: limits)
        // A long header line with no line ending.
        let longField = bytes("GET / HTTP/1.1\r\nHost: h\r\nX: ") + [UInt8](repeating: 0x62, count: max)
        #expect(parseWhole(Array(longField.prefix(max)), limits: limits) == .needMoreData)
        expectFailure(Array(longField.prefix(max + 1)), .headerFieldsTooLarge, status: 431, limits: limits)
        // Many short header lines and no blank line.
        let manyFields = bytes("GET / HTTP/1.1\r\nHost: h\r\n" + String(repeating: "X: y\r\n", count: 100))
        expectFailure(manyFields, .headerFieldsTooLarge, status: 431, limits: limits)
        // Incrementally.
        var parser = RequestParser(limits: limits)
        #expect(parser.parse(Array(manyFields.prefix(max)).span) == .needMoreData)
        #expect(parser.parse(Array(manyFields.prefix(max + 1)).span) == .failure(.headerFieldsTooLarge))
    }

    @Test("the final CRLF counts: a head whose last LF is byte max + 1 is 431")
    func finalLineEndingCounts() {
        let limits = smallLimits
        let max = limits.maxHeaderBytes
        let exact = Self.head(length: max)
        let longer = Self.head(length: max + 1)
        #expect(longer[max - 1] == 0x0D && longer[max] == 0x0A)
        expectFailure(longer, .headerFieldsTooLarge, status: 431, limits: limits)
        guard case .complete(_, headLength: max) = parseWhole(exact, limits: limits) else {
            Issue.record("the exact head must be accepted")
            return
        }
    }

    @Test("the limit applies to each request, not to the buffer: pipelined heads may exceed it together")
    func limitIsPerRequest() {
        let limits = smallLimits
        let one = Self.head(length: limits.maxHeaderBytes)
        var buffer = one + one + one
        var parser = RequestParser(limits: limits)
        for _ in 0..<3 {
            guard case .complete(_, let headLength) = parser.parse(buffer.span) else {
                Issue.record("each head of exactly the limit must be accepted")
                return
            }
            #expect(headLength == limits.maxHeaderBytes)
            buffer.removeFirst(headLength)
        }
        #expect(buffer.isEmpty)
    }

    @Test("a complete head is returned even when the buffer holds more than the limit after it")
    func completeHeadBeforeLimit() {
        let limits = smallLimits
        let input = bytes("GET / HTTP/1.1\r\nHost: h\r\n\r\n") + [UInt8](repeating: 0x41, count: 1000)
        guard case .complete(_, let headLength) = parseWhole(input, limits: limits) else {
            Issue.record("expected a complete head")
            return
        }
        #expect(headLength == 27)
    }

    @Test("an error inside the limit wins over the size of the rest")
    func errorBeforeLimit() {
        let input = bytes("GET / HTTP/1.1\r\nHost: h\r\nBad Line\r\n") + [UInt8](repeating: 0x41, count: 1000)
        expectFailure(input, .malformedHeaderLine, status: 400, limits: smallLimits)
        let version = bytes("GET / HTTP/2.0\r\n") + [UInt8](repeating: 0x41, count: 1000)
        expectFailure(version, .unsupportedVersion, status: 505, limits: smallLimits)
    }
}
