/// An entity-tag (RFC 9110 §8.8.3): `"opaque"`, or `W/"opaque"` when weak.
///
/// Invariant: `opaque` holds only etagc bytes (`!`, `#` to `~`, obs-text), without its quotes,
/// so `fieldValue` is always a valid field value.
public struct EntityTag: Sendable, Equatable {
    public let opaque: String
    public let isWeak: Bool

    public init(opaque: String, isWeak: Bool = false) {
        self.opaque = opaque
        self.isWeak = isWeak
    }

    /// A file's strong tag: its modification time and size in lowercase hex, `"MTIME-SIZE"` as
    /// nginx makes it, with the mtime's nanoseconds after a dot when there are any
    /// (`"MTIME.NSEC-SIZE"`), so that two versions written within one second differ too.
    public static func forFile(size: Int, modifiedAt seconds: Int, nanoseconds: Int = 0) -> EntityTag {
        let time = String(seconds, radix: 16) + (nanoseconds == 0 ? "" : "." + String(nanoseconds, radix: 16))
        return EntityTag(opaque: time + "-" + String(size, radix: 16))
    }

    /// The field value: `"opaque"` or `W/"opaque"`.
    public var fieldValue: String { (isWeak ? "W/\"" : "\"") + opaque + "\"" }

    /// Strong comparison (RFC 9110 §8.8.3.2): both strong, the same opaque tag.
    public func matchesStrongly(_ other: EntityTag) -> Bool { !isWeak && !other.isWeak && opaque == other.opaque }

    /// Weak comparison: the same opaque tag, weak or not.
    public func matchesWeakly(_ other: EntityTag) -> Bool { opaque == other.opaque }

    /// The entity-tag that is all of `text`, or `nil`.
    public init?(parsing text: String) {
        var reader = ByteReader(text)
        guard let tag = reader.entityTag(), reader.isAtEnd else { return nil }
        self = tag
    }

    static func isOpaqueByte(_ byte: UInt8) -> Bool { byte == 0x21 || (byte >= 0x23 && byte != 0x7F) }
}

/// The value of If-None-Match (RFC 9110 §13.1.2): `*`, or a list of entity-tags.
public enum EntityTagList: Sendable, Equatable {
    /// `*`: any current representation.
    case any
    case tags([EntityTag])
    /// Neither: it matches nothing.
    case invalid

    public init(parsing text: String) {
        var reader = ByteReader(text)
        reader.skipWhitespace()
        if reader.take(UInt8(ascii: "*")) {
            reader.skipWhitespace()
            self = reader.isAtEnd ? .any : .invalid
            return
        }
        // 1#entity-tag: elements separated by commas and optional whitespace; empty ones allowed.
        var tags: [EntityTag] = []
        while true {
            reader.skipListSeparators()
            if reader.isAtEnd { break }
            guard let tag = reader.entityTag() else {
                self = .invalid
                return
            }
            tags.append(tag)
            reader.skipWhitespace()
            guard reader.isAtEnd || reader.peek == ASCII.comma else {
                self = .invalid
                return
            }
        }
        self = tags.isEmpty ? .invalid : .tags(tags)
    }

    /// Whether a representation with `tag` matches, by weak comparison (RFC 9110 §13.1.2).
    public func matchesWeakly(_ tag: EntityTag) -> Bool {
        switch self {
        case .any: true
        case .tags(let tags): tags.contains { $0.matchesWeakly(tag) }
        case .invalid: false
        }
    }
}

/// Reads a header field value from the front, for the small grammars of validators and ranges.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var index = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    var isAtEnd: Bool { index == bytes.count }
    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func take(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    /// Takes `text` if the bytes there are it, ignoring ASCII case.
    mutating func take(ignoringCase text: String) -> Bool {
        let expected = Array(text.utf8)
        guard bytes.count - index >= expected.count else { return false }
        for (offset, byte) in expected.enumerated() where ASCII.lowercased(bytes[index + offset]) != byte { return false }
        index += expected.count
        return true
    }

    mutating func skipWhitespace() {
        while let byte = peek, ASCII.isWhitespace(byte) { index += 1 }
    }

    /// Skips whitespace and commas: what stands between the elements of a #list.
    mutating func skipListSeparators() {
        while let byte = peek, ASCII.isWhitespace(byte) || byte == ASCII.comma { index += 1 }
    }

    /// 1*DIGIT, saturating at `Int.max`; `nil` when no digit is there.
    mutating func digits() -> Int? {
        var value = 0
        var count = 0
        while let byte = peek, ASCII.isDigit(byte) {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - ASCII.zero))
            value = overflow1 || overflow2 ? .max : sum
            index += 1
            count += 1
        }
        return count > 0 ? value : nil
    }

    /// `[ W/ ] DQUOTE *etagc DQUOTE`; on failure nothing is consumed.
    mutating func entityTag() -> EntityTag? {
        let start = index
        let isWeak = take(UInt8(ascii: "W")) ? take(ASCII.slash) : false
        if index != start && !isWeak {
            index = start
            return nil
        }
        guard take(ASCII.quote) else {
            index = start
            return nil
        }
        let opaqueStart = index
        while let byte = peek, EntityTag.isOpaqueByte(byte) { index += 1 }
        let opaque = String(decoding: bytes[opaqueStart..<index], as: UTF8.self)
        guard take(ASCII.quote) else {
            index = start
            return nil
        }
        return EntityTag(opaque: opaque, isWeak: isWeak)
    }
}
