/// The facts gathered from a request head line by line, checked against the contract's
/// rules as each line arrives and once more when the head ends.
///
/// Invariant: it holds only what the lines seen so far say; nothing is decided from a
/// partial line, so the outcome is the same however the bytes were split.
struct HeadBuilder: Sendable {
    private(set) var sawRequestLine = false
    private var method = ""
    private var target = ""
    private var path = ""
    private var version = HTTPVersion.http1_1
    private var hostCount = 0
    private var contentLength: Int?
    private var transferEncoding = TransferCodings()
    private var connectionClose = false
    private var connectionKeepAlive = false
    private var expectsContinue = false
    /// If-None-Match, If-Modified-Since, Range and If-Range, once one of them has come.
    private var conditionals: PendingConditionals?

    /// `METHOD SP TARGET SP HTTP/d.d` (RFC 9112 §3), exactly.
    mutating func takeRequestLine(_ bytes: Span<UInt8>, _ line: Range<Int>) -> HTTPError? {
        sawRequestLine = true
        // The version is the last 8 bytes, preceded by the second (and last) space.
        guard line.count >= 12, bytes[line.upperBound - 9] == ASCII.space else { return .malformedRequestLine }
        let versionStart = line.upperBound - 8
        // The first space before the one preceding the version (a line with only that space, e.g.
        // `GET HTTP/1.1`, has no target; searching up to it would give an inverted target range).
        guard let methodEnd = (line.lowerBound..<(versionStart - 1)).first(where: { bytes[$0] == ASCII.space }),
              methodEnd > line.lowerBound,
              (line.lowerBound..<methodEnd).allSatisfy({ ASCII.isTokenCharacter(bytes[$0]) })
        else { return .malformedRequestLine }
        let targetRange = (methodEnd + 1)..<(versionStart - 1)
        guard !targetRange.isEmpty, targetRange.allSatisfy({ bytes[$0] != ASCII.space }) else { return .malformedRequestLine }
        guard let digits = Self.versionDigits(bytes, versionStart) else { return .malformedRequestLine }
        // The version is judged before the target, so an HTTP/2 preface (`PRI * HTTP/2.0`) is 505.
        switch digits {
        case (1, 0): version = .http1_0
        case (1, 1): version = .http1_1
        default: return .unsupportedVersion
        }
        method = Self.method(bytes, line.lowerBound..<methodEnd)
        guard targetRange.allSatisfy({ ASCII.isVisible(bytes[$0]) }),
              let targetPath = Self.path(ofTarget: bytes, targetRange, method: method)
        else { return .invalidTarget }
        target = string(bytes, targetRange)
        // An absolute-form target without a path (`http://host`) means `/` (RFC 9112 §3.2.2); an
        // origin-form one without a query is its own path (a copy, not a second decoding).
        path = targetPath.isEmpty ? "/" : targetPath == targetRange ? target : string(bytes, targetPath)
        return nil
    }

    /// The method as a string: the usual two without decoding their bytes.
    private static func method(_ bytes: Span<UInt8>, _ range: Range<Int>) -> String {
        if equalsExactly(bytes, range, "GET") { return "GET" }
        if equalsExactly(bytes, range, "HEAD") { return "HEAD" }
        return bytes.extracting(range).withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
    }

    /// `HTTP/` DIGIT `.` DIGIT at `start`, as (major, minor); `nil` when not that shape.
    private static func versionDigits(_ bytes: Span<UInt8>, _ start: Int) -> (Int, Int)? {
        guard equalsExactly(bytes, start..<(start + 5), "HTTP/") else { return nil }  // case-sensitive
        let major = bytes[start + 5], dot = bytes[start + 6], minor = bytes[start + 7]
        guard (ASCII.zero...ASCII.nine).contains(major), dot == 0x2E, (ASCII.zero...ASCII.nine).contains(minor) else { return nil }
        return (Int(major - ASCII.zero), Int(minor - ASCII.zero))
    }

    /// The path part of an origin-form (`/p?q`), absolute-form (`http://host/p?q`) or
    /// asterisk (`*`, OPTIONS only) target; `nil` for any other form.
    private static func path(ofTarget bytes: Span<UInt8>, _ range: Range<Int>, method: String) -> Range<Int>? {
        let first = bytes[range.lowerBound]
        if first == ASCII.asterisk { return range.count == 1 && method == "OPTIONS" ? range : nil }
        var pathStart = range.lowerBound
        if first != ASCII.slash {
            guard let afterScheme = schemeEnd(bytes, range) else { return nil }
            let authorityEnd = (afterScheme..<range.upperBound).first {
                bytes[$0] == ASCII.slash || bytes[$0] == ASCII.question
            } ?? range.upperBound
            // `uri-host [ ":" port ]` with a host (RFC 9110 §4.2.1): no userinfo, no empty host.
            guard Authority.isValid(bytes, afterScheme..<authorityEnd, allowsEmptyHost: false) else { return nil }
            pathStart = authorityEnd
        }
        let queryStart = (pathStart..<range.upperBound).first { bytes[$0] == ASCII.question } ?? range.upperBound
        return pathStart..<queryStart
    }

    /// The index after `http://` or `https://` (scheme compared case-insensitively).
    private static func schemeEnd(_ bytes: Span<UInt8>, _ range: Range<Int>) -> Int? {
        for scheme: StaticString in ["http://", "https://"] {
            let end = range.lowerBound + scheme.utf8CodeUnitCount
            if end <= range.upperBound && equalsIgnoringCase(bytes, range.lowerBound..<end, scheme) { return end }
        }
        return nil
    }

    /// `name ":" OWS value OWS` (RFC 9112 §5), and what the known fields mean.
    mutating func takeHeaderLine(_ bytes: Span<UInt8>, _ line: Range<Int>, limits: ParserLimits) -> HTTPError? {
        if ASCII.isWhitespace(bytes[line.lowerBound]) { return .obsoleteLineFolding }
        guard let colon = (line.lowerBound..<line.upperBound).first(where: { bytes[$0] == ASCII.colon }),
              colon > line.lowerBound
        else { return .malformedHeaderLine }
        if ASCII.isWhitespace(bytes[colon - 1]) { return .whitespaceBeforeColon }
        let name = line.lowerBound..<colon
        guard name.allSatisfy({ ASCII.isTokenCharacter(bytes[$0]) }) else { return .malformedHeaderLine }
        var valueStart = colon + 1, valueEnd = line.upperBound
        while valueStart < valueEnd && ASCII.isWhitespace(bytes[valueStart]) { valueStart += 1 }
        while valueEnd > valueStart && ASCII.isWhitespace(bytes[valueEnd - 1]) { valueEnd -= 1 }
        let value = valueStart..<valueEnd
        guard ByteScan.allFieldValueBytes(bytes, value) else { return .malformedHeaderLine }
        return takeField(bytes, name: name, value: value, limits: limits)
    }

    private mutating func takeField(_ bytes: Span<UInt8>, name: Range<Int>, value: Range<Int>, limits: ParserLimits) -> HTTPError? {
        let field = FieldName(bytes, name)
        switch field {
        case .host:
            hostCount += 1
            if hostCount > 1 { return .duplicateHost }
            // RFC 9112 §3.2: a Host with an invalid value is 400, like a missing or doubled one.
            return Authority.isValid(bytes, value, allowsEmptyHost: true) ? nil : .invalidHost
        case .contentLength:
            return takeContentLength(bytes, value, limits: limits)
        case .transferEncoding:
            return transferEncoding.take(bytes, value)
        case .connection:
            forEachListElement(bytes, value) { element in
                if equalsIgnoringCase(bytes, element, "close") { connectionClose = true }
                if equalsIgnoringCase(bytes, element, "keep-alive") { connectionKeepAlive = true }
            }
        case .expect:
            if equalsIgnoringCase(bytes, value, "100-continue") { expectsContinue = true }
        case .ifNoneMatch, .ifModifiedSince, .range, .ifRange:
            var pending = conditionals ?? PendingConditionals()
            pending.take(field, string(bytes, value))
            conditionals = pending
        case .other:
            break
        }
        return nil
    }

    /// RFC 9112 §6.3: 1*DIGIT; identical repeats are one value, different ones an error.
    private mutating func takeContentLength(_ bytes: Span<UInt8>, _ value: Range<Int>, limits: ParserLimits) -> HTTPError? {
        guard !value.isEmpty, value.allSatisfy({ (ASCII.zero...ASCII.nine).contains(bytes[$0]) }) else {
            return .invalidContentLength
        }
        var length = 0
        for index in value {
            let (times10, overflow1) = length.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(bytes[index] - ASCII.zero))
            // However large: past the limit (or past Int) is 413 as soon as it is known.
            if overflow1 || overflow2 || sum > limits.maxBodyBytes { return .bodyTooLarge }
            length = sum
        }
        if let previous = contentLength, previous != length { return .conflictingContentLength }
        contentLength = length
        return nil
    }

    /// The checks that need the whole head, then the head itself.
    func finish(limits: ParserLimits) -> Result<RequestHead, HTTPError> {
        if version == .http1_1 && hostCount == 0 { return .failure(.missingHost) }
        var framing = BodyFraming.none
        if transferEncoding.isPresent {
            if contentLength != nil { return .failure(.contentLengthWithTransferEncoding) }
            if version == .http1_0 { return .failure(.transferEncodingInHTTP10) }
            if let error = transferEncoding.verdict { return .failure(error) }
            framing = .chunked
        } else if let contentLength, contentLength > 0 {
            framing = .contentLength(contentLength)
        }
        let keepAliveRequested = version == .http1_0 && connectionKeepAlive && !connectionClose
        let keepAlive = version == .http1_1 ? !connectionClose : keepAliveRequested
        return .success(RequestHead(
            method: method, target: target, path: path, version: version, keepAlive: keepAlive,
            keepAliveRequested: keepAliveRequested, framing: framing,
            // RFC 9110 §10.1.1: a 100-continue expectation in an HTTP/1.0 request is ignored.
            expectsContinue: expectsContinue && version == .http1_1,
            conditionals: conditionals?.fields))
    }

    private func string(_ bytes: Span<UInt8>, _ range: Range<Int>) -> String {
        bytes.extracting(range).withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
    }
}

/// The header fields whose meaning the parser needs; all others pass unexamined.
enum FieldName {
    case host, contentLength, transferEncoding, connection, expect
    case ifNoneMatch, ifModifiedSince, range, ifRange
    case other

    init(_ bytes: Span<UInt8>, _ name: Range<Int>) {
        // Dispatch on length first so most fields cost one comparison.
        switch name.count {
        case 4 where equalsIgnoringCase(bytes, name, "host"): self = .host
        case 5 where equalsIgnoringCase(bytes, name, "range"): self = .range
        case 6 where equalsIgnoringCase(bytes, name, "expect"): self = .expect
        case 8 where equalsIgnoringCase(bytes, name, "if-range"): self = .ifRange
        case 10 where equalsIgnoringCase(bytes, name, "connection"): self = .connection
        case 13 where equalsIgnoringCase(bytes, name, "if-none-match"): self = .ifNoneMatch
        case 14 where equalsIgnoringCase(bytes, name, "content-length"): self = .contentLength
        case 17 where equalsIgnoringCase(bytes, name, "transfer-encoding"): self = .transferEncoding
        case 17 where equalsIgnoringCase(bytes, name, "if-modified-since"): self = .ifModifiedSince
        default: self = .other
        }
    }
}

/// Whether `bytes[range]` is exactly `literal`.
@inline(__always)
func equalsExactly(_ bytes: Span<UInt8>, _ range: Range<Int>, _ literal: StaticString) -> Bool {
    guard range.count == literal.utf8CodeUnitCount else { return false }
    return literal.withUTF8Buffer { expected in
        for (index, position) in range.enumerated() where bytes[position] != expected[index] { return false }
        return true
    }
}

/// Whether `bytes[range]` is `lowercase` in any letter case; `lowercase` must be lower-case ASCII.
@inline(__always)
func equalsIgnoringCase(_ bytes: Span<UInt8>, _ range: Range<Int>, _ lowercase: StaticString) -> Bool {
    guard range.count == lowercase.utf8CodeUnitCount else { return false }
    return lowercase.withUTF8Buffer { expected in
        var index = 0
        for position in range {
            if ASCII.lowercased(bytes[position]) != expected[index] { return false }
            index += 1
        }
        return true
    }
}

/// Calls `body` with each non-empty element of a comma-separated list (RFC 9110 §5.6.1),
/// trimmed of whitespace.
func forEachListElement(_ bytes: Span<UInt8>, _ value: Range<Int>, _ body: (Range<Int>) -> Void) {
    var start = value.lowerBound
    for index in value.lowerBound...value.upperBound where index == value.upperBound || bytes[index] == ASCII.comma {
        var low = start, high = index
        while low < high && ASCII.isWhitespace(bytes[low]) { low += 1 }
        while high > low && ASCII.isWhitespace(bytes[high - 1]) { high -= 1 }
        if low < high { body(low..<high) }
        start = index + 1
    }
}

/// The conditional fields of a head as they arrive (see `ConditionalFields` for the rules).
struct PendingConditionals: Sendable {
    var ifNoneMatch: String?
    var ifModifiedSince: String?
    var range: String?
    var ifRange: String?

    mutating func take(_ name: FieldName, _ value: String) {
        switch name {
        case .ifNoneMatch: ifNoneMatch = ifNoneMatch.map { $0 + ", " + value } ?? value
        // A field that may appear once: a second one leaves a value that parses as nothing.
        case .ifModifiedSince: ifModifiedSince = ifModifiedSince == nil ? value : ""
        case .range: range = range == nil ? value : ""
        case .ifRange: ifRange = ifRange == nil ? value : ""
        default: break
        }
    }

    var fields: ConditionalFields {
        ConditionalFields(ifNoneMatch: ifNoneMatch, ifModifiedSince: ifModifiedSince, range: range, ifRange: ifRange)
    }
}
