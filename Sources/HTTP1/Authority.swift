/// The `uri-host [ ":" port ]` grammar (RFC 3986 §3.2.2–3.2.3) that a Host field value and
/// an absolute-form target's authority must follow (RFC 9112 §3.2, §3.2.2).
///
/// Invariant: `isValid` accepts exactly a reg-name, an IPv4 address or a bracketed IP literal
/// (IPv6, or IPvFuture), then optionally `:` and digits. A comma is refused although RFC 3986
/// allows it in a reg-name: RFC 9110 §5.3 lets a recipient combine field lines into a
/// comma-separated list, so `Host: a,b` cannot be told from two Host lines (400).
enum Authority {
    /// Whether `bytes[range]` is `uri-host [ ":" port ]`; an empty host is allowed only when
    /// `allowsEmptyHost` (a Host field may be empty, RFC 9110 §7.2; an http URI's host may
    /// not, RFC 9110 §4.2.1).
    static func isValid(_ bytes: Span<UInt8>, _ range: Range<Int>, allowsEmptyHost: Bool) -> Bool {
        var hostEnd = range.lowerBound
        if hostEnd < range.upperBound && bytes[hostEnd] == bracketOpen {
            guard let close = range.first(where: { bytes[$0] == bracketClose }),
                  isIPLiteral(bytes, (range.lowerBound + 1)..<close)
            else { return false }
            hostEnd = close + 1
        } else {
            guard let end = regNameEnd(bytes, range) else { return false }
            hostEnd = end
        }
        if hostEnd == range.lowerBound && !allowsEmptyHost { return false }
        guard hostEnd < range.upperBound else { return true }
        // `:` then *DIGIT: an empty port is allowed by the grammar.
        guard bytes[hostEnd] == ASCII.colon else { return false }
        return ((hostEnd + 1)..<range.upperBound).allSatisfy { ASCII.isDigit(bytes[$0]) }
    }

    private static let bracketOpen: UInt8 = 0x5B
    private static let bracketClose: UInt8 = 0x5D
    private static let percent: UInt8 = 0x25

    /// The end of the reg-name (or IPv4 address, a special case of it) at the start of
    /// `range`: the first `:` or the end; `nil` if a byte on the way is not allowed.
    private static func regNameEnd(_ bytes: Span<UInt8>, _ range: Range<Int>) -> Int? {
        var index = range.lowerBound
        while index < range.upperBound {
            let byte = bytes[index]
            if byte == ASCII.colon { return index }
            if byte == percent {
                // pct-encoded: "%" HEXDIG HEXDIG
                guard index + 2 < range.upperBound, ASCII.hexValue(bytes[index + 1]) != nil, ASCII.hexValue(bytes[index + 2]) != nil
                else { return nil }
                index += 3
                continue
            }
            guard isUnreserved(byte) || isSubDelimiter(byte) else { return nil }
            index += 1
        }
        return index
    }

    /// unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~"
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x7E: true
        default: false
        }
    }

    /// sub-delims without ",": "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / ";" / "="
    private static func isSubDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x21, 0x24, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x2B, 0x3B, 0x3D: true
        default: false
        }
    }

    /// IP-literal between the brackets: IPv6address or IPvFuture (`v` 1*HEXDIG `.` 1*(...)).
    private static func isIPLiteral(_ bytes: Span<UInt8>, _ range: Range<Int>) -> Bool {
        guard !range.isEmpty else { return false }
        if ASCII.lowercased(bytes[range.lowerBound]) == 0x76 { return isIPvFuture(bytes, range) }
        return isIPv6(bytes, range)
    }

    private static func isIPvFuture(_ bytes: Span<UInt8>, _ range: Range<Int>) -> Bool {
        var index = range.lowerBound + 1
        let digitsStart = index
        while index < range.upperBound && ASCII.hexValue(bytes[index]) != nil { index += 1 }
        guard index > digitsStart, index < range.upperBound, bytes[index] == 0x2E else { return false }
        let rest = (index + 1)..<range.upperBound
        return !rest.isEmpty && rest.allSatisfy { isUnreserved(bytes[$0]) || isSubDelimiter(bytes[$0]) || bytes[$0] == 0x2C || bytes[$0] == ASCII.colon }
    }

    /// RFC 3986's IPv6address: eight 16-bit pieces of 1 to 4 hex digits separated by `:`, at
    /// most one `::` standing for one or more zero pieces, and an IPv4 address may take the
    /// last two pieces' place.
    private static func isIPv6(_ bytes: Span<UInt8>, _ range: Range<Int>) -> Bool {
        var pieces = 0
        var sawDoubleColon = false
        var index = range.lowerBound
        if bytes[index] == ASCII.colon {
            // Only `::` may start the address.
            guard index + 1 < range.upperBound, bytes[index + 1] == ASCII.colon else { return false }
            sawDoubleColon = true
            index += 2
            if index == range.upperBound { return true }  // `::`
        }
        while index < range.upperBound {
            let start = index
            while index < range.upperBound && index - start < 5 && ASCII.hexValue(bytes[index]) != nil { index += 1 }
            if index < range.upperBound && bytes[index] == 0x2E {
                // The rest is an IPv4 address: two pieces' worth, and the end.
                guard isIPv4(bytes, start..<range.upperBound) else { return false }
                pieces += 2
                index = range.upperBound
                break
            }
            let digits = index - start
            guard digits >= 1 && digits <= 4 else { return false }
            pieces += 1
            if index == range.upperBound { break }
            guard bytes[index] == ASCII.colon else { return false }
            index += 1
            if index < range.upperBound && bytes[index] == ASCII.colon {
                guard !sawDoubleColon else { return false }
                sawDoubleColon = true
                index += 1
                if index == range.upperBound { break }  // ends in `::`
            } else if index == range.upperBound {
                return false  // ends in a single `:`
            }
        }
        return sawDoubleColon ? pieces <= 7 : pieces == 8
    }

    /// dec-octet "." dec-octet "." dec-octet "." dec-octet, each 0–255 without leading zeros.
    private static func isIPv4(_ bytes: Span<UInt8>, _ range: Range<Int>) -> Bool {
        var octets = 0
        var index = range.lowerBound
        while index <= range.upperBound {
            let start = index
            var value = 0
            while index < range.upperBound && ASCII.isDigit(bytes[index]) && index - start < 3 {
                value = value * 10 + Int(bytes[index] - ASCII.zero)
                index += 1
            }
            let digits = index - start
            guard digits >= 1, value <= 255, digits == 1 || bytes[start] != ASCII.zero else { return false }
            octets += 1
            if index == range.upperBound { return octets == 4 }
            guard bytes[index] == 0x2E, octets < 4 else { return false }
            index += 1
        }
        return false
    }
}
