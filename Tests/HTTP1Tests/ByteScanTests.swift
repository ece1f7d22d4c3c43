@testable import HTTP1
import Testing

/// `ByteScan`'s word-at-a-time check must answer exactly what the byte rule answers: every byte
/// value, at every position of runs shorter than, as long as and longer than a word, behind
/// every alignment.
@Suite("Byte scans")
struct ByteScanTests {
    @Test("allFieldValueBytes agrees with isFieldValueByte for every byte at every position")
    func fieldValueScanIsExact() {
        var disagreements = 0
        for length in [1, 7, 8, 9, 15, 16, 17, 24, 31] {
            for lead in 0..<3 {  // where the run starts in the buffer: the word loads are unaligned
                for position in 0..<length {
                    for value in 0...255 {
                        var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: lead + length)
                        bytes[lead + position] = UInt8(value)
                        let expected = ASCII.isFieldValueByte(UInt8(value))
                        if ByteScan.allFieldValueBytes(bytes.span, lead..<(lead + length)) != expected { disagreements += 1 }
                    }
                }
            }
        }
        #expect(disagreements == 0)
    }

    @Test("a tab is allowed, other controls and DEL are not, obs-text is")
    func fieldValueExamples() {
        func check(_ text: [UInt8]) -> Bool { ByteScan.allFieldValueBytes(text.span, 0..<text.count) }
        #expect(check(Array("Mozilla/5.0 (X11;\tLinux x86_64)".utf8)))
        #expect(check([0x80, 0xFF] + Array("obs-text bytes....".utf8)))
        #expect(!check(Array("sixteen bytes ok".utf8) + [0x7F]))
        #expect(!check(Array("a bare CR \r in the middle".utf8)))
        #expect(!check(Array("a NUL \0 in the middle of it".utf8)))
    }
}
