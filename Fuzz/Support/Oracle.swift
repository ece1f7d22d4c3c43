// An independent reading of the contract's HTTP/1.x rules (restated in Docs/HTTP.md), used by both fuzz
// targets to judge what the parser and the body decoder did.
//
// It is written from the contract (and RFC 9112's grammar), not from the parser's code: it
// works on the whole buffer at once, cuts it into lines first and then judges each line,
// with no incremental state. Where the contract does not say which of two broken rules wins
// (say a Content-Length that is both different from an earlier one and too large), it
// follows the order the rules are met in the bytes: line by line, and within a line a NUL or
// bare CR before the line's syntax. Only statuses are compared, never the parser's error
// cases, so two rules with the same status never need an order.

// Compiled into one module with Sources/HTTP1/*.swift (see run.sh): no `import HTTP1`.

import Glibc

/// Every status the contract gives a refused request.
let contractStatuses: Set<Int> = [400, 408, 413, 414, 431, 501, 505]

private let cr: UInt8 = 13
private let lf: UInt8 = 10
private let sp: UInt8 = 32
private let htab: UInt8 = 9

/// What the contract says about the bytes of one request head, from its first byte.
enum HeadVerdict: Equatable, CustomStringConvertible {
    /// No decision yet: the head is incomplete and within the limit.
    case needMore
    /// Refused with this status; `rule` names the broken rule (for the report only).
    case reject(status: Int, rule: String)
    /// A valid head of `headLength` bytes, which must mean exactly `head`.
    case accept(RequestHead, headLength: Int)

    var description: String {
        switch self {
        case .needMore: "needMore"
        case .reject(let status, let rule): "reject(\(status): \(rule))"
        case .accept(let head, let length): "accept(\(head.requestLine), \(head.framing), keepAlive \(head.keepAlive), \(length) bytes)"
        }
    }
}

/// RFC 9110 tchar.
func isTokenByte(_ byte: UInt8) -> Bool {
    if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") { return true }
    if byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") { return true }
    if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { return true }
    return "!#$%&'*+-.^_`|~".utf8.contains(byte)
}

private func lowercasedString(_ bytes: ArraySlice<UInt8>) -> String {
    String(decoding: bytes.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
}

private func trimmedOWS(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    var slice = bytes
    while let first = slice.first, first == sp || first == htab { slice = slice.dropFirst() }
    while let last = slice.last, last == sp || last == htab { slice = slice.dropLast() }
    return slice
}

/// The non-empty, trimmed elements of a comma-separated list, lower-cased.
private func listElements(_ value: ArraySlice<UInt8>) -> [String] {
    value.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
        .map(trimmedOWS).filter { !$0.isEmpty }.map(lowercasedString)
}

/// The facts of a head, gathered line by line.
private struct HeadFacts {
    var method = ""
    var target = ""
    var path = ""
    var version = HTTPVersion.http1_1
    var hosts = 0
    var contentLength: Int?
    var sawTransferEncoding = false
    var codings: [String] = []
    var close = false
    var keepAlive = false
    var expectContinue = false
    /// If-None-Match (all its lines, one list), If-Modified-Since, Range and If-Range as sent;
    /// a second line of one of the last three makes its value empty (Docs/HTTP.md, Files).
    var conditionals: [String: String] = [:]
}

/// Judges `bytes` (a request from its first byte, maybe followed by more) with the contract.
func judgeHead(_ bytes: ArraySlice<UInt8>, limits: ParserLimits) -> HeadVerdict {
    let first = bytes.startIndex
    // A head must end (its LF) inside the first maxHeaderBytes bytes.
    let windowEnd = first + min(bytes.count, limits.maxHeaderBytes)
    var facts = HeadFacts()
    var sawRequestLine = false

    // 1. The complete lines inside the window, in order, each judged whole.
    var lineStart = first
    for index in first..<windowEnd where bytes[index] == lf {
        var content = bytes[lineStart..<index]
        lineStart = index + 1
        // A NUL anywhere, or a CR anywhere but right before the LF, is refused (400).
        if content.contains(0) { return .reject(status: 400, rule: "NUL byte in head") }
        if content.last == cr { content = content.dropLast() }
        if content.contains(cr) { return .reject(status: 400, rule: "bare CR in head") }

        if !sawRequestLine {
            if content.isEmpty { continue }  // empty lines before the request line are ignored
            sawRequestLine = true
            if let rejection = judgeRequestLine(content, &facts) { return rejection }
            continue
        }
        if content.isEmpty {
            return finishHead(facts, headLength: index + 1 - first, limits: limits)
        }
        if let rejection = judgeHeaderLine(content, &facts, limits: limits) { return rejection }
    }

    // 2. The unfinished line at the end of the window: a NUL, or a CR followed by anything
    //    but LF (the byte after the window counts), is refused already.
    for index in lineStart..<windowEnd {
        if bytes[index] == 0 { return .reject(status: 400, rule: "NUL byte in head") }
        if bytes[index] == cr && index + 1 < bytes.endIndex && bytes[index + 1] != lf {
            return .reject(status: 400, rule: "bare CR in head")
        }
    }
    // 3. No blank line inside the limit.
    if bytes.count > limits.maxHeaderBytes {
        return sawRequestLine
            ? .reject(status: 431, rule: "head longer than the limit")
            : .reject(status: 414, rule: "request line longer than the limit")
    }
    return .needMore
}

/// `METHOD SP TARGET SP HTTP/d.d`: malformed 400, other version 505, bad target 400.
private func judgeRequestLine(_ line: ArraySlice<UInt8>, _ facts: inout HeadFacts) -> HeadVerdict? {
    let parts = line.split(separator: sp, omittingEmptySubsequences: false)
    guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else {
        return .reject(status: 400, rule: "request line is not three parts separated by single spaces")
    }
    let method = parts[0], target = parts[1], version = Array(parts[2])
    guard method.allSatisfy(isTokenByte) else { return .reject(status: 400, rule: "method is not a token") }
    let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
    guard version.count == 8, version.starts(with: Array("HTTP/".utf8)),
          digits.contains(version[5]), version[6] == UInt8(ascii: "."), digits.contains(version[7])
    else { return .reject(status: 400, rule: "version is not HTTP/d.d") }
    switch String(decoding: version, as: UTF8.self) {
    case "HTTP/1.0": facts.version = .http1_0
    case "HTTP/1.1": facts.version = .http1_1
    default: return .reject(status: 505, rule: "version other than 1.0 and 1.1")
    }
    facts.method = String(decoding: method, as: UTF8.self)
    guard target.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
        return .reject(status: 400, rule: "target is not visible ASCII")
    }
    let text = String(decoding: target, as: UTF8.self)
    facts.target = text
    if text == "*" {
        guard facts.method == "OPTIONS" else { return .reject(status: 400, rule: "* target without OPTIONS") }
        facts.path = "*"
    } else if text.hasPrefix("/") {
        facts.path = String(text.prefix { $0 != "?" })
    } else {
        let lower = text.lowercased()
        guard let scheme = ["http://", "https://"].first(where: { lower.hasPrefix($0) }) else {
            return .reject(status: 400, rule: "target neither origin-form nor absolute-form")
        }
        let afterScheme = text.dropFirst(scheme.count)
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" }
        guard isValidAuthority(Array(authority.utf8), allowsEmptyHost: false) else {
            return .reject(status: 400, rule: "absolute-form authority is not a non-empty uri-host [ \":\" port ]")
        }
        let path = afterScheme.dropFirst(authority.count).prefix { $0 != "?" }
        facts.path = path.isEmpty ? "/" : String(path)
    }
    return nil
}

/// `name ":" OWS value OWS`, then what Host, Content-Length, Transfer-Encoding, Connection and
/// Expect mean.
private func judgeHeaderLine(_ line: ArraySlice<UInt8>, _ facts: inout HeadFacts, limits: ParserLimits) -> HeadVerdict? {
    if line.first == sp || line.first == htab { return .reject(status: 400, rule: "obs-fold") }
    guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else {
        return .reject(status: 400, rule: "header line without a name and colon")
    }
    let name = line[line.startIndex..<colon]
    if name.last == sp || name.last == htab { return .reject(status: 400, rule: "whitespace before colon") }
    guard name.allSatisfy(isTokenByte) else { return .reject(status: 400, rule: "header name is not a token") }
    let value = trimmedOWS(line[(colon + 1)...])
    guard value.allSatisfy({ $0 == htab || ($0 >= 0x20 && $0 != 0x7F) }) else {
        return .reject(status: 400, rule: "control byte in header value")
    }
    switch lowercasedString(name) {
    case "host":
        facts.hosts += 1
        if facts.hosts > 1 { return .reject(status: 400, rule: "two Host headers") }
        guard isValidAuthority(Array(value), allowsEmptyHost: true) else {
            return .reject(status: 400, rule: "Host is not uri-host [ \":\" port ]")
        }
    case "content-length":
        guard !value.isEmpty, value.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            return .reject(status: 400, rule: "Content-Length not a non-empty string of digits")
        }
        // Leading zeros do not change the value; past the limit is 413 whatever follows.
        let significant = value.drop { $0 == 48 }
        guard significant.count <= 18, let length = Int(String(decoding: significant.isEmpty ? [48] : Array(significant), as: UTF8.self)),
              length <= limits.maxBodyBytes
        else { return .reject(status: 413, rule: "Content-Length over the body limit") }
        if let earlier = facts.contentLength, earlier != length {
            return .reject(status: 400, rule: "two different Content-Length values")
        }
        facts.contentLength = length
    case "transfer-encoding":
        facts.sawTransferEncoding = true
        for element in listElements(value) {
            if element == "chunked" && facts.codings.contains("chunked") {
                return .reject(status: 400, rule: "chunked given twice")
            }
            facts.codings.append(element)
        }
    case "connection":
        let elements = listElements(value)
        if elements.contains("close") { facts.close = true }
        if elements.contains("keep-alive") { facts.keepAlive = true }
    case "expect":
        if lowercasedString(value) == "100-continue" { facts.expectContinue = true }
    case "if-none-match":
        let text = String(decoding: value, as: UTF8.self)
        facts.conditionals["if-none-match"] = facts.conditionals["if-none-match"].map { $0 + ", " + text } ?? text
    case "if-modified-since", "range", "if-range":
        let key = lowercasedString(name)
        facts.conditionals[key] = facts.conditionals[key] == nil ? String(decoding: value, as: UTF8.self) : ""
    default:
        break
    }
    return nil
}

/// The rules that need the whole head, then the head the parser must have produced.
private func finishHead(_ facts: HeadFacts, headLength: Int, limits: ParserLimits) -> HeadVerdict {
    if facts.version == .http1_1 && facts.hosts == 0 { return .reject(status: 400, rule: "HTTP/1.1 without Host") }
    var framing = BodyFraming.none
    if facts.sawTransferEncoding {
        if facts.contentLength != nil { return .reject(status: 400, rule: "both Transfer-Encoding and Content-Length") }
        if facts.version == .http1_0 { return .reject(status: 400, rule: "Transfer-Encoding in HTTP/1.0") }
        guard facts.codings.last == "chunked" else { return .reject(status: 400, rule: "Transfer-Encoding not ending in chunked") }
        guard facts.codings.count == 1 else { return .reject(status: 501, rule: "transfer coding other than chunked") }
        framing = .chunked
    } else if let length = facts.contentLength, length > 0 {
        framing = .contentLength(length)
    }
    let http10KeepAlive = facts.version == .http1_0 && facts.keepAlive && !facts.close
    let head = RequestHead(
        method: facts.method, target: facts.target, path: facts.path, version: facts.version,
        keepAlive: facts.version == .http1_1 ? !facts.close : http10KeepAlive,
        keepAliveRequested: http10KeepAlive, framing: framing,
        expectsContinue: facts.expectContinue && facts.version == .http1_1,
        conditionals: facts.conditionals.isEmpty ? nil : ConditionalFields(
            ifNoneMatch: facts.conditionals["if-none-match"], ifModifiedSince: facts.conditionals["if-modified-since"],
            range: facts.conditionals["range"], ifRange: facts.conditionals["if-range"]))
    return .accept(head, headLength: headLength)
}

// MARK: - Bodies

/// What the contract (RFC 9112 §7.1, as this server reads it) says about a body.
enum BodyVerdict: Equatable {
    case incomplete
    /// The body (framing included) is this many bytes.
    case complete(length: Int)
    case reject(status: Int)
}

/// Chunked framing as the server accepts it (RFC 9112 §7.1): 1 to 16 hex digits; chunk
/// extensions `*( BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ] )`; CRLF; data;
/// CRLF; ...; a last chunk of size 0, trailer lines that are field lines
/// (`token ":" field-value`) each ending in CRLF, and CRLF. Decoded bytes above
/// `maxBodyBytes` are 413; each size line (with its CRLF), and the last chunk's line with the
/// trailers, is at most 8192 bytes, else 400.
func judgeChunked(_ bytes: ArraySlice<UInt8>, maxBodyBytes: Int) -> BodyVerdict {
    let b = bytes  // read in place (a body can be followed by a long stream)
    let count = b.count
    var position = 0
    var framing = 0  // framing bytes of the current size line (or of the last chunk and trailers)
    var total = 0

    /// The next framing byte, or nil at the end of the input.
    func next() -> UInt8?? {
        guard position < count else { return .none }
        framing += 1
        if framing > 8192 { return .some(nil) }
        position += 1
        return .some(b[b.startIndex + position - 1])
    }
    func isHex(_ byte: UInt8) -> Bool { (48...57).contains(byte) || (65...70).contains(byte) || (97...102).contains(byte) }
    func hexValue(_ byte: UInt8) -> Int { Int(byte <= 57 ? byte - 48 : (byte | 0x20) - 87) }

    while true {
        // chunk-size
        var digits = 0, size = 0
        var byte: UInt8
        while true {
            guard let read = next() else { return .incomplete }
            guard let value = read else { return .reject(status: 400) }
            byte = value
            guard isHex(byte) else { break }
            digits += 1
            if digits > 16 { return .reject(status: 400) }
            size = min(size * 16 + hexValue(byte), maxBodyBytes + 1)
        }
        if digits == 0 { return .reject(status: 400) }
        total += size
        if total > maxBodyBytes { return .reject(status: 413) }
        // [ chunk-ext ] CRLF: the line's rest is judged whole at its CR, or, when the input ends
        // first, by whether any ending could still make it valid.
        var extensions: [UInt8] = []
        while byte != cr {
            extensions.append(byte)
            guard let read = next() else { return canStillBeChunkExtensions(extensions) ? .incomplete : .reject(status: 400) }
            guard let value = read else { return .reject(status: 400) }
            byte = value
        }
        guard isChunkExtensions(extensions) else { return .reject(status: 400) }
        guard let read = next() else { return .incomplete }
        guard read == lf else { return .reject(status: 400) }
        if size == 0 { break }
        framing = 0
        // chunk-data CRLF
        guard count - position >= size else { return .incomplete }
        position += size
        for expected in [cr, lf] {
            guard let read = next() else { return .incomplete }
            guard read == expected else { return .reject(status: 400) }
        }
        framing = 0  // the next size line has the whole budget
    }
    // trailer-section CRLF
    while true {
        guard let read = next() else { return .incomplete }
        guard let first = read else { return .reject(status: 400) }
        if first == cr {
            guard let read = next() else { return .incomplete }
            guard read == lf else { return .reject(status: 400) }
            return .complete(length: position)
        }
        // A field line, judged whole at its CR, or by whether it can still become one.
        var line = [first]
        while true {
            guard let read = next() else { return canStillBeFieldLine(line) ? .incomplete : .reject(status: 400) }
            guard let value = read else { return .reject(status: 400) }
            if value == cr { break }
            line.append(value)
        }
        guard isFieldLine(line) else { return .reject(status: 400) }
        guard let end = next() else { return .incomplete }
        guard end == lf else { return .reject(status: 400) }
    }
}

/// The body verdict for a head's framing.
func judgeBody(_ framing: BodyFraming, _ bytes: ArraySlice<UInt8>, maxBodyBytes: Int) -> BodyVerdict {
    switch framing {
    case .none: return .complete(length: 0)
    case .contentLength(let length): return bytes.count >= length ? .complete(length: length) : .incomplete
    case .chunked: return judgeChunked(bytes, maxBodyBytes: maxBodyBytes)
    }
}

// MARK: - Paths

/// Docs/HTTP.md, Routes: a path is decoded once and never leads outside the root: `..`
/// (plain or `%2e%2e`), an encoded `/` or NUL, `//` are forbidden (404); `%` without two hex
/// digits is malformed (400), unless the path was already forbidden before that `%`.
func judgePath(_ path: String) -> RequestPath {
    func hasDotDot(_ bytes: [UInt8]) -> Bool {
        bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).contains { $0.elementsEqual("..".utf8) }
    }
    let raw = Array(path.utf8)
    guard raw.first == UInt8(ascii: "/"), !hasDotDot(raw) else { return .forbidden }
    var decoded: [UInt8] = []
    var index = 0
    while index < raw.count {
        guard raw[index] == UInt8(ascii: "%") else { decoded.append(raw[index]); index += 1; continue }
        let hexDigits = "0123456789abcdefABCDEF".utf8
        guard index + 2 < raw.count, hexDigits.contains(raw[index + 1]), hexDigits.contains(raw[index + 2]),
              let value = UInt8(String(decoding: raw[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)
        else { return .malformed }
        if value == UInt8(ascii: "/") || value == 0 { return .forbidden }
        decoded.append(value)
        index += 3
    }
    if decoded.starts(with: Array("//".utf8)) || hasDotDot(decoded) { return .forbidden }
    guard let text = String(validating: decoded, as: UTF8.self) else { return .forbidden }
    return .safe(text)
}

// MARK: - Host, chunk extensions, trailer lines (Docs/HTTP.md)

private func isHexByte(_ byte: UInt8) -> Bool {
    (48...57).contains(byte) || (65...70).contains(byte) || (97...102).contains(byte)
}

/// `uri-host [ ":" port ]` (RFC 3986 §3.2.2–3.2.3), with a comma refused in a reg-name (a
/// list of hosts). The IP literal is checked by glibc's inet_pton, not by hand.
func isValidAuthority(_ value: [UInt8], allowsEmptyHost: Bool) -> Bool {
    var host = value[...], port: ArraySlice<UInt8>? = nil
    if value.first == UInt8(ascii: "[") {
        guard let close = value.firstIndex(of: UInt8(ascii: "]")) else { return false }
        let literal = Array(value[1..<close])
        let rest = value[(close + 1)...]
        if let first = rest.first {
            guard first == UInt8(ascii: ":") else { return false }
            port = rest.dropFirst()
        }
        host = value[...close]
        guard isIPLiteral(literal) else { return false }
    } else {
        if let colon = value.firstIndex(of: UInt8(ascii: ":")) {
            host = value[..<colon]
            port = value[(colon + 1)...]
        }
        let regNameBytes = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+;=".utf8)
        var index = host.startIndex
        while index < host.endIndex {
            if host[index] == UInt8(ascii: "%") {
                guard index + 2 < host.endIndex, isHexByte(host[index + 1]), isHexByte(host[index + 2]) else { return false }
                index += 3
            } else {
                guard regNameBytes.contains(host[index]) else { return false }
                index += 1
            }
        }
    }
    if host.isEmpty && !allowsEmptyHost { return false }
    return port?.allSatisfy { (48...57).contains($0) } ?? true
}

private func isIPLiteral(_ literal: [UInt8]) -> Bool {
    if let first = literal.first, first | 0x20 == UInt8(ascii: "v") {
        // IPvFuture: "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
        let body = literal.dropFirst()
        guard let dot = body.firstIndex(of: UInt8(ascii: ".")), dot > body.startIndex,
              body[..<dot].allSatisfy(isHexByte)
        else { return false }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:".utf8)
        let rest = body[(dot + 1)...]
        return !rest.isEmpty && rest.allSatisfy { allowed.contains($0) }
    }
    // RFC 3986's IPv6address is the text form inet_pton(AF_INET6) reads (no zone, no prefix).
    guard !literal.isEmpty, literal.allSatisfy({ isHexByte($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }) else { return false }
    var address = in6_addr()
    return String(decoding: literal, as: UTF8.self).withCString { inet_pton(AF_INET6, $0, &address) } == 1
}

/// `*( BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ] )`, the whole rest of a
/// chunk-size line after its digits.
func isChunkExtensions(_ bytes: [UInt8]) -> Bool {
    var index = 0
    func skipWhitespace() { while index < bytes.count && (bytes[index] == sp || bytes[index] == htab) { index += 1 } }
    func token() -> Bool {
        let start = index
        while index < bytes.count && isTokenByte(bytes[index]) { index += 1 }
        return index > start
    }
    func quotedString() -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return false }
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { index += 1; return true }
            let isText = byte == htab || (byte >= 0x20 && byte != 0x7F)
            if byte == UInt8(ascii: "\\") {
                guard index + 1 < bytes.count, bytes[index + 1] == htab || (bytes[index + 1] >= 0x20 && bytes[index + 1] != 0x7F) else { return false }
                index += 2
            } else {
                guard isText else { return false }
                index += 1
            }
        }
        return false
    }
    while index < bytes.count {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ";") else { return false }
        index += 1
        skipWhitespace()
        guard token() else { return false }
        let afterName = index
        skipWhitespace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "=") {
            index += 1
            skipWhitespace()
            guard quotedString() || token() else { return false }
        } else {
            index = afterName
        }
    }
    return true
}

/// Whether some ending turns `prefix` into valid chunk extensions: each way a valid line can
/// be cut short (inside or after a name or value, after `;`, `=`, whitespace or a backslash)
/// is completed by one of these endings.
func canStillBeChunkExtensions(_ prefix: [UInt8]) -> Bool {
    ["", "a", ";a", "=a", "\"", "a\""].contains { isChunkExtensions(prefix + Array($0.utf8)) }
}

/// `token ":" field-value` (OWS inside the value, which allows SP, HTAB, VCHAR, obs-text).
func isFieldLine(_ line: [UInt8]) -> Bool {
    guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return false }
    return line[..<colon].allSatisfy(isTokenByte) && line[(colon + 1)...].allSatisfy { $0 == htab || ($0 >= 0x20 && $0 != 0x7F) }
}

func canStillBeFieldLine(_ prefix: [UInt8]) -> Bool { isFieldLine(prefix) || isFieldLine(prefix + [UInt8(ascii: ":")]) }
