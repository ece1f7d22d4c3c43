/// Word-at-a-time scans of a request head: eight bytes per step instead of one, for a check that
/// looks at every byte of a long run (a field value). (Finding where a line ends was tried too:
/// a request's lines are mostly shorter than the word loop's set-up pays for; wrk's GET got dearer.)
///
/// Invariant: each scan answers exactly what the byte-by-byte rule it names answers; a word is
/// skipped whole only when none of its bytes is of interest, and every other word is looked at
/// byte by byte. (The bit tricks are exact as yes-or-no answers: "Bit Twiddling Hacks",
/// determine if a word has a zero byte, or a byte less than n.)
enum ByteScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// Whether some byte of `word` is 0.
    @inline(__always)
    static func hasZeroByte(_ word: UInt64) -> Bool { (word &- ones) & ~word & highBits != 0 }

    /// Whether some byte of `word` is `byte`.
    @inline(__always)
    static func has(_ byte: UInt8, in word: UInt64) -> Bool { hasZeroByte(word ^ (ones &* UInt64(byte))) }

    /// Whether some byte of `word` is below `limit` (at most 0x80); bytes from 0x80 up never are.
    @inline(__always)
    static func hasByte(below limit: UInt8, in word: UInt64) -> Bool {
        (word &- ones &* UInt64(limit)) & ~word & highBits != 0
    }

    /// Whether every byte of `bytes[range]` passes `ASCII.isFieldValueByte`.
    static func allFieldValueBytes(_ bytes: Span<UInt8>, _ range: Range<Int>) -> Bool {
        var index = range.lowerBound
        let end = range.upperBound
        let raw = bytes.bytes
        while index + 8 <= end {
            let word = raw.unsafeLoadUnaligned(fromByteOffset: index, as: UInt64.self)
            // A control character (a tab is one, and allowed) or DEL: look closer.
            if hasByte(below: 0x20, in: word) || has(0x7F, in: word) {
                for offset in index..<(index + 8) where !ASCII.isFieldValueByte(bytes[offset]) { return false }
            }
            index += 8
        }
        while index < end {
            if !ASCII.isFieldValueByte(bytes[index]) { return false }
            index += 1
        }
        return true
    }
}
