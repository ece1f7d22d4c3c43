/// The header fields that make a request for a file conditional or partial, as sent: a request
/// with none of them carries no box (`RequestHead.conditionals == nil`), so it pays nothing.
///
/// Invariant: each is `nil` when absent; a field that may appear once but came twice is kept as
/// an empty value, which parses as nothing (and is so ignored, or matches nothing). If-None-Match
/// lines are one list, joined with commas (RFC 9110 §5.3).
public final class ConditionalFields: Sendable, Equatable {
    public let ifNoneMatch: String?
    public let ifModifiedSince: String?
    public let range: String?
    public let ifRange: String?

    public init(ifNoneMatch: String? = nil, ifModifiedSince: String? = nil, range: String? = nil, ifRange: String? = nil) {
        self.ifNoneMatch = ifNoneMatch
        self.ifModifiedSince = ifModifiedSince
        self.range = range
        self.ifRange = ifRange
    }

    public static func == (lhs: ConditionalFields, rhs: ConditionalFields) -> Bool {
        lhs.ifNoneMatch == rhs.ifNoneMatch && lhs.ifModifiedSince == rhs.ifModifiedSince
            && lhs.range == rhs.range && lhs.ifRange == rhs.ifRange
    }
}

/// A file's validators (RFC 9110 §8.8): its size, modification time and entity-tag.
///
/// Invariant: `entityTag` is the strong tag of exactly this size and modification time.
public struct FileValidators: Sendable, Equatable {
    public let size: Int
    /// Seconds since the epoch, whole (the precision of Last-Modified).
    public let lastModified: Int
    public let entityTag: EntityTag

    public init(size: Int, lastModified: Int, modifiedNanoseconds: Int = 0) {
        self.size = size
        self.lastModified = lastModified
        entityTag = .forFile(size: size, modifiedAt: lastModified, nanoseconds: modifiedNanoseconds)
    }

    /// What a GET (or, with `isHead`, a HEAD) of the file is answered with, given its
    /// conditional fields, in RFC 9110 §13.2.2's order (If-Match and If-Unmodified-Since are not
    /// evaluated; Docs/HTTP.md, Files):
    /// 1. If-None-Match, if present, by weak comparison: a match is 304;
    /// 2. else If-Modified-Since, if a valid date at or after Last-Modified: 304;
    /// 3. then, for GET only, Range (ignored if malformed, of another unit, or on an empty file),
    ///    unless If-Range names another ETag (strong comparison) or another date: one
    ///    satisfiable range is 206, none is 416, several are answered with the whole file.
    /// `now` (seconds since the epoch) reads two-digit years in obsolete dates.
    public func answer(to fields: ConditionalFields?, isHead: Bool, now: Int) -> FileAnswer {
        guard let fields else { return .whole }
        if let ifNoneMatch = fields.ifNoneMatch {
            if EntityTagList(parsing: ifNoneMatch).matchesWeakly(entityTag) { return .notModified }
        } else if let ifModifiedSince = fields.ifModifiedSince,
            let date = HTTPDate.parse(ifModifiedSince, now: now), lastModified <= date
        {
            return .notModified
        }
        guard !isHead, let range = fields.range, size > 0, let set = ByteRangeSet(parsing: range) else { return .whole }
        if let ifRange = fields.ifRange, !ifRangeMatches(ifRange, now: now) { return .whole }
        let ranges = set.satisfiable(length: size)
        switch ranges.count {
        case 0: return .rangeNotSatisfiable
        case 1: return .part(ranges[0])
        default: return .whole
        }
    }

    /// If-Range (RFC 9110 §13.1.5): an entity-tag matches by strong comparison; a date only when
    /// it is exactly Last-Modified and that is a strong validator, a second or more before now
    /// (§8.8.2.2: a file changed within the current second may change again within it);
    /// anything else does not match.
    private func ifRangeMatches(_ value: String, now: Int) -> Bool {
        if let tag = EntityTag(parsing: value) { return tag.matchesStrongly(entityTag) }
        return HTTPDate.parse(value, now: now) == lastModified && lastModified < now
    }

    /// `Content-Range` of a 206 for `range`: `bytes FIRST-LAST/SIZE`.
    public func contentRange(_ range: ClosedRange<Int>) -> String { "bytes \(range.lowerBound)-\(range.upperBound)/\(size)" }

    /// `Content-Range` of a 416: `bytes */SIZE`.
    public var unsatisfiedRange: String { "bytes */\(size)" }
}

/// What a GET or HEAD of a file is answered with.
public enum FileAnswer: Sendable, Equatable {
    /// 200 with the whole file.
    case whole
    /// 304: the client's copy is current.
    case notModified
    /// 206 with these bytes.
    case part(ClosedRange<Int>)
    /// 416: no range of the request is inside the file.
    case rangeNotSatisfiable
}
