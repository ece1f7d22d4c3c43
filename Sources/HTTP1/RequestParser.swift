/// The limits a `RequestParser` enforces (Docs/HTTP.md, Limits and Bodies: `--max-header-bytes`, `--max-body-bytes`).
public struct ParserLimits: Sendable, Equatable {
    /// Bytes from the request line through the blank line, at most.
    public var maxHeaderBytes: Int
    /// Declared (Content-Length) or decoded (chunked) body bytes, at most.
    public var maxBodyBytes: Int

    public init(maxHeaderBytes: Int = 8192, maxBodyBytes: Int = 1_048_576) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
    }
}

/// An incremental, strict HTTP/1.x request-head parser: bytes in, `RequestHead` or
/// `HTTPError` out, with no I/O.
///
/// Invariant: each call to `parse` is given the bytes of the current request from its first
/// byte, extending what the previous call was given; the parser remembers how far it has
/// examined them, so every byte is looked at once however the input is split, and the
/// result depends only on the bytes, never on the split. A line is checked as soon as it is
/// complete, so a bad request line is refused before the rest of the head arrives.
public struct RequestParser: Sendable {
    /// What `parse` found.
    public enum Outcome: Equatable, Sendable {
        /// The head is not complete yet; call again with more bytes.
        case needMoreData
        /// A complete head; its `headLength` bytes (through the blank line) can be dropped,
        /// and the body (per `head.framing`) follows them.
        case complete(RequestHead, headLength: Int)
        /// The request is refused; answer `error.status` and close.
        case failure(HTTPError)
    }

    public let limits: ParserLimits
    private var examined = 0
    private var lineStart = 0
    private var builder = HeadBuilder()

    public init(limits: ParserLimits = ParserLimits()) {
        self.limits = limits
    }

    /// Whether some bytes of a request have been examined (a request is in progress).
    public var hasPartialRequest: Bool { examined > 0 }

    /// Examines the bytes not seen before; see the type's invariant for what `bytes` must be.
    public mutating func parse(_ bytes: Span<UInt8>) -> Outcome {
        let end = min(bytes.count, limits.maxHeaderBytes)
        var index = examined
        while index < end {
            switch bytes[index] {
            case ASCII.lf:
                let contentEnd = index > lineStart && bytes[index - 1] == ASCII.cr ? index - 1 : index
                if let outcome = finishLine(bytes, lineStart..<contentEnd, headLength: index + 1) {
                    reset()
                    return outcome
                }
                lineStart = index + 1
            case ASCII.cr:
                // A CR must be followed by LF (RFC 9112 §2.2); wait to see the next byte.
                guard index + 1 < bytes.count else {
                    examined = index
                    return tooLargeOrNeedMore(bytes.count)
                }
                if bytes[index + 1] != ASCII.lf { return failed(.bareCarriageReturn) }
            case 0:
                return failed(.nulByte)
            default:
                break
            }
            index += 1
        }
        examined = index
        return tooLargeOrNeedMore(bytes.count)
    }

    private mutating func tooLargeOrNeedMore(_ available: Int) -> Outcome {
        guard available > limits.maxHeaderBytes else { return .needMoreData }
        return failed(builder.sawRequestLine ? .headerFieldsTooLarge : .requestLineTooLong)
    }

    private mutating func failed(_ error: HTTPError) -> Outcome {
        reset()
        return .failure(error)
    }

    private mutating func reset() {
        examined = 0
        lineStart = 0
        builder = HeadBuilder()
    }

    /// Checks one complete line; returns an outcome when the head ends or fails with it.
    private mutating func finishLine(_ bytes: Span<UInt8>, _ line: Range<Int>, headLength: Int) -> Outcome? {
        if !builder.sawRequestLine {
            // RFC 9112 §2.2: ignore empty lines received before the request line.
            if line.isEmpty { return nil }
            if let error = builder.takeRequestLine(bytes, line) { return .failure(error) }
            return nil
        }
        if line.isEmpty {
            switch builder.finish(limits: limits) {
            case .success(let head): return .complete(head, headLength: headLength)
            case .failure(let error): return .failure(error)
            }
        }
        if let error = builder.takeHeaderLine(bytes, line, limits: limits) { return .failure(error) }
        return nil
    }
}

/// Byte values the parser compares against.
enum ASCII {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let slash: UInt8 = 0x2F
    static let comma: UInt8 = 0x2C
    static let semicolon: UInt8 = 0x3B
    static let equals: UInt8 = 0x3D
    static let quote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C
    static let question: UInt8 = 0x3F
    static let asterisk: UInt8 = 0x2A
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39

    /// tchar of RFC 9110 §5.6.2: the characters of a method or a header name.
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: true
        default: false
        }
    }

    /// VCHAR: visible ASCII, the characters of a request target.
    static func isVisible(_ byte: UInt8) -> Bool { byte >= 0x21 && byte <= 0x7E }

    static func isWhitespace(_ byte: UInt8) -> Bool { byte == space || byte == tab }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= zero && byte <= nine }

    /// field-vchar, SP, HTAB and obs-text (RFC 9110 §5.5): every byte of a field value but
    /// the other control characters and DEL.
    static func isFieldValueByte(_ byte: UInt8) -> Bool { (byte >= 0x20 && byte != 0x7F) || byte == tab }

    /// The value of a hexadecimal digit, either case.
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    static func lowercased(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
}
