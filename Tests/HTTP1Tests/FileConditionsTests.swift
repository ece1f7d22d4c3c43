import HTTP1
import Testing

/// Validators, conditional requests and ranges for files (RFC 9110 §8.8, §13, §14), one rule
/// per test, with no I/O.
@Suite("File validators, conditions and ranges")
struct FileConditionsTests {
    /// 2026-11-22T10:00:00Z, a Sunday.
    static let now = 1_795_341_600
    static let file = FileValidators(size: 1000, lastModified: 1_795_000_000)
    static let lastModified = HTTPDate.format(epochSeconds: 1_795_000_000)

    private func answer(
        ifNoneMatch: String? = nil, ifModifiedSince: String? = nil, range: String? = nil, ifRange: String? = nil,
        isHead: Bool = false, file: FileValidators = Self.file
    ) -> FileAnswer {
        let fields = ConditionalFields(ifNoneMatch: ifNoneMatch, ifModifiedSince: ifModifiedSince, range: range, ifRange: ifRange)
        return file.answer(to: fields, isHead: isHead, now: Self.now)
    }

    // MARK: Validators (§8.8)

    @Test("a file's ETag is strong, \"MTIME-SIZE\" in hex as nginx makes it, and changes with either")
    func entityTag() {
        #expect(Self.file.entityTag == EntityTag(opaque: "6afd86c0-3e8"))
        #expect(Self.file.entityTag.fieldValue == "\"6afd86c0-3e8\"")
        #expect(FileValidators(size: 1001, lastModified: 1_795_000_000).entityTag != Self.file.entityTag)
        #expect(FileValidators(size: 1000, lastModified: 1_795_000_001).entityTag != Self.file.entityTag)
    }

    @Test("two versions written within one second differ by the nanoseconds in their ETag")
    func entityTagNanoseconds() {
        let first = FileValidators(size: 4, lastModified: 100, modifiedNanoseconds: 200_000_000)
        let second = FileValidators(size: 4, lastModified: 100, modifiedNanoseconds: 700_000_000)
        #expect(first.entityTag != second.entityTag)
        #expect(first.entityTag.fieldValue == "\"64.bebc200-4\"")
        #expect(FileValidators(size: 4, lastModified: 100).entityTag.fieldValue == "\"64-4\"", "nginx's form without nanoseconds")
    }

    @Test("strong comparison needs two strong tags; weak comparison only the opaque tags (§8.8.3.2)")
    func comparisons() {
        let strong = EntityTag(opaque: "1"), weak = EntityTag(opaque: "1", isWeak: true), other = EntityTag(opaque: "2")
        #expect(strong.matchesStrongly(strong) && !strong.matchesStrongly(weak) && !weak.matchesStrongly(weak))
        #expect(strong.matchesWeakly(weak) && weak.matchesWeakly(weak) && !strong.matchesWeakly(other))
    }

    @Test("entity-tags parse as [W/] DQUOTE etagc DQUOTE, commas inside included", arguments: [
        ("\"abc\"", EntityTag(opaque: "abc")), ("W/\"abc\"", EntityTag(opaque: "abc", isWeak: true)),
        ("\"\"", EntityTag(opaque: "")), ("\"a,b\"", EntityTag(opaque: "a,b")),
    ])
    func parsesTags(text: String, tag: EntityTag) {
        #expect(EntityTag(parsing: text) == tag)
    }

    @Test("anything else is not an entity-tag", arguments: ["abc", "\"abc", "w/\"abc\"", "W\"abc\"", "\"a\"b", "\"a b\"", "\"a\"\"b\""])
    func rejectsTags(text: String) {
        #expect(EntityTag(parsing: text) == nil)
    }

    // MARK: If-None-Match (§13.1.2)

    @Test("If-None-Match: *, a list, or a weak match of the current tag is 304")
    func ifNoneMatchMatches() {
        let tag = Self.file.entityTag.fieldValue
        for value in ["*", tag, "W/\(tag)", "\"x\", \(tag)", " \"x\" ,, \(tag) ,"] {
            #expect(answer(ifNoneMatch: value) == .notModified, "\(value)")
            #expect(answer(ifNoneMatch: value, isHead: true) == .notModified, "HEAD: \(value)")
        }
    }

    @Test("If-None-Match that matches nothing, or is malformed, is the whole file")
    func ifNoneMatchMisses() {
        for value in ["\"other\"", "\"x\", W/\"y\"", "garbage", "", "*, \"x\""] {
            #expect(answer(ifNoneMatch: value) == .whole, "\(value)")
        }
    }

    @Test("If-None-Match wins: with it present, If-Modified-Since is not looked at (§13.2.2)")
    func ifNoneMatchFirst() {
        #expect(answer(ifNoneMatch: "\"other\"", ifModifiedSince: Self.lastModified) == .whole)
    }

    // MARK: If-Modified-Since (§13.1.3)

    @Test("If-Modified-Since at or after Last-Modified is 304; before it, the whole file")
    func ifModifiedSince() {
        #expect(answer(ifModifiedSince: Self.lastModified) == .notModified)
        #expect(answer(ifModifiedSince: HTTPDate.format(epochSeconds: 1_795_000_001)) == .notModified)
        #expect(answer(ifModifiedSince: HTTPDate.format(epochSeconds: 1_794_999_999)) == .whole)
    }

    @Test("an invalid If-Modified-Since date is ignored", arguments: ["yesterday", "", "Sun, 32 Nov 2026 10:00:00 GMT", "Sun, 22 Nov 2026 24:00:00 GMT", "sun, 22 Nov 2026 10:00:00 GMT", "Sun, 22 Nov 2026 10:00:00 UTC"])
    func invalidDate(value: String) {
        #expect(answer(ifModifiedSince: value) == .whole)
    }

    // MARK: HTTP-date (§5.6.7)

    @Test("all three date forms parse to the same time")
    func dateForms() {
        let expected = 784_111_777  // 1994-11-06T08:49:37Z, RFC 9110's example
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: Self.now) == expected)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT", now: Self.now) == expected)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994", now: Self.now) == expected)
        #expect(HTTPDate.parse(HTTPDate.format(epochSeconds: Self.now), now: Self.now) == Self.now, "format and parse agree")
    }

    @Test("a two-digit year more than 50 years ahead is in the past century")
    func twoDigitYears() {
        // Now is 2026: 76 is 2076 (50 years ahead), 77 is 1977.
        #expect(HTTPDate.parse("Thursday, 01-Jan-76 00:00:00 GMT", now: Self.now) == HTTPDate.parse("Thu, 01 Jan 2076 00:00:00 GMT", now: Self.now))
        #expect(HTTPDate.parse("Saturday, 01-Jan-77 00:00:00 GMT", now: Self.now) == HTTPDate.parse("Sat, 01 Jan 1977 00:00:00 GMT", now: Self.now))
    }

    @Test("29 February exists only in leap years")
    func leapDays() {
        #expect(HTTPDate.parse("Thu, 29 Feb 2024 00:00:00 GMT", now: Self.now) != nil)
        #expect(HTTPDate.parse("Sun, 29 Feb 2026 00:00:00 GMT", now: Self.now) == nil)
        #expect(HTTPDate.parse("Tue, 29 Feb 2000 00:00:00 GMT", now: Self.now) != nil)
        #expect(HTTPDate.parse("Thu, 29 Feb 1900 00:00:00 GMT", now: Self.now) == nil)
    }

    // MARK: Range (§14.1.2, §14.2)

    @Test("one satisfiable range is 206 with exactly those bytes, a last position past the end clipped", arguments: [
        ("bytes=0-99", 0...99), ("bytes=100-", 100...999), ("bytes=-100", 900...999), ("bytes=990-5000", 990...999),
        ("bytes=-5000", 0...999), ("BYTES=0-0", 0...0), ("bytes= 5-9 ", 5...9), ("bytes=999-999", 999...999),
        ("bytes=0-99999999999999999999999", 0...999),
    ])
    func oneRange(range: String, expected: ClosedRange<Int>) {
        #expect(answer(range: range) == .part(expected))
    }

    @Test("no satisfiable range is 416", arguments: ["bytes=1000-", "bytes=1000-2000", "bytes=-0", "bytes=5000-5001, 2000-", "bytes=99999999999999999999-"])
    func unsatisfiable(range: String) {
        #expect(answer(range: range) == .rangeNotSatisfiable)
        #expect(Self.file.unsatisfiedRange == "bytes */1000")
    }

    @Test("a malformed Range, or another unit, is ignored: the whole file", arguments: ["bytes=5-1", "bytes=", "bytes=a-b", "items=0-9", "bytes 0-9", "bytes=0-9;x", "bytes=--5", "bytes=0-9 x", "bytes=-"])
    func ignored(range: String) {
        #expect(answer(range: range) == .whole)
    }

    @Test("several satisfiable ranges are answered with the whole file (Docs/HTTP.md, Files)")
    func severalRanges() {
        #expect(answer(range: "bytes=0-9,20-29") == .whole)
        #expect(answer(range: "bytes=0-9, 5000-") == .part(0...9), "only one of them is satisfiable")
    }

    @Test("Range applies to GET only: HEAD gets the whole file's head")
    func rangeOnHead() {
        #expect(answer(range: "bytes=0-9", isHead: true) == .whole)
    }

    @Test("an empty file has no satisfiable range, and Range is ignored for it")
    func emptyFile() {
        #expect(answer(range: "bytes=-5", file: FileValidators(size: 0, lastModified: 0)) == .whole)
    }

    @Test("Content-Range of a part is bytes FIRST-LAST/SIZE")
    func contentRange() {
        #expect(Self.file.contentRange(5...9) == "bytes 5-9/1000")
    }

    // MARK: If-Range (§13.1.5)

    @Test("If-Range with the current ETag or the exact Last-Modified date lets the range through")
    func ifRangeMatches() {
        #expect(answer(range: "bytes=0-9", ifRange: Self.file.entityTag.fieldValue) == .part(0...9))
        #expect(answer(range: "bytes=0-9", ifRange: Self.lastModified) == .part(0...9))
    }

    @Test("If-Range with the Last-Modified date of a file changed in the current second is weak: the whole file (§8.8.2.2)")
    func ifRangeDateOfThisSecond() {
        let fresh = FileValidators(size: 1000, lastModified: Self.now)
        let fields = ConditionalFields(range: "bytes=0-9", ifRange: HTTPDate.format(epochSeconds: Self.now))
        #expect(fresh.answer(to: fields, isHead: false, now: Self.now) == .whole)
        #expect(fresh.answer(to: fields, isHead: false, now: Self.now + 1) == .part(0...9), "a second later it is strong")
    }

    @Test("If-Range with another ETag, a weak one, another date or junk is the whole file")
    func ifRangeMisses() {
        for value in ["\"other\"", "W/\(Self.file.entityTag.fieldValue)", HTTPDate.format(epochSeconds: 1_795_000_001), "junk"] {
            #expect(answer(range: "bytes=0-9", ifRange: value) == .whole, "\(value)")
        }
    }

    @Test("a 304 comes before any range")
    func notModifiedBeforeRange() {
        #expect(answer(ifNoneMatch: "*", range: "bytes=0-9") == .notModified)
    }

    @Test("no conditional field at all is the whole file")
    func unconditional() {
        #expect(Self.file.answer(to: nil, isHead: false, now: Self.now) == .whole)
    }
}
