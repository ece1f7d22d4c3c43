// What both fuzz targets share: reporting a broken property, handing the code under test
// exactly-sized copies (so AddressSanitizer sees any read past the input), and the ways an
// input is split into chunks.

#if canImport(Glibc)
import Glibc
#endif
// Compiled into one module with Sources/HTTP1/*.swift (see run.sh): no `import HTTP1`.

/// The limits each input is run with: small ones, so the header and body limits are reached
/// often, and the server's defaults, so real requests (a browser's head is 400 to 800 bytes)
/// parse whole and their mutations are judged past the head's first 256 bytes.
let fuzzLimitSets = [
    ParserLimits(maxHeaderBytes: 256, maxBodyBytes: 64),
    ParserLimits(maxHeaderBytes: 8192, maxBodyBytes: 1_048_576),
]

/// Stops the run: libFuzzer saves the input as a crash reproducer.
func violation(_ property: String, _ details: @autoclosure () -> String = "") -> Never {
    fputs("\n==== PROPERTY VIOLATION: \(property)\n\(details())\n", stderr)
    fflush(stderr)
    abort()
}

func require(_ condition: Bool, _ property: String, _ details: @autoclosure () -> String = "") {
    if !condition { violation(property, details()) }
}

/// Calls `body` with a span over a fresh heap copy of exactly `bytes.count` bytes: a read
/// one byte past the end hits ASan's redzone (and Span's own bounds checks).
func withExactCopy<R>(_ bytes: ArraySlice<UInt8>, _ body: (Span<UInt8>) -> R) -> R {
    let copy = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count)
    defer { copy.deallocate() }
    _ = copy.initialize(fromContentsOf: bytes)
    return body(UnsafeBufferPointer(copy).span)
}

/// `withExactCopy` when `exact`, else a span over `bytes` in place (still bounds-checked):
/// the byte-by-byte runs would copy each buffer once per byte.
func withSpan<R>(_ bytes: ArraySlice<UInt8>, exact: Bool, _ body: (Span<UInt8>) -> R) -> R {
    exact ? withExactCopy(bytes, body) : body(bytes.span)
}

/// How an input is cut into the chunks a connection would receive.
enum Split: CaseIterable, CustomStringConvertible {
    /// One chunk.
    case whole
    /// One byte per chunk.
    case byteByByte
    /// Cut at two points the input picks (see `cuts`).
    case twoCuts
    /// Cut at up to eight points the input picks.
    case manyCuts

    var description: String {
        switch self {
        case .whole: "whole"
        case .byteByByte: "byte by byte"
        case .twoCuts: "two cuts"
        case .manyCuts: "many cuts"
        }
    }

    /// Ascending cut points strictly inside `0..<input.count`.
    ///
    /// The fuzzer chooses the points through the input itself: they come from a hash of all
    /// its bytes, so every mutation moves them (across a run, every position is a cut point
    /// many times over) and a saved reproducer replays the same cuts.
    func cuts(_ input: [UInt8]) -> [Int] {
        let count = input.count
        guard count > 1 else { return [] }
        switch self {
        case .whole:
            return []
        case .byteByByte:
            return Array(1..<count)
        case .twoCuts, .manyCuts:
            var state = fnv1a(input)
            let pieces = self == .twoCuts ? 2 : 1 + Int(state % 8)
            var points = Set<Int>()
            for _ in 0..<pieces {
                state = splitMix(&state)
                points.insert(1 + Int(state % UInt64(count - 1)))
            }
            return points.sorted()
        }
    }

    /// The chunks of `input` for these cuts.
    func chunks(_ input: [UInt8]) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var start = 0
        for cut in cuts(input) + [input.count] where cut > start {
            result.append(input[start..<cut])
            start = cut
        }
        return result
    }
}

private func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    return hash
}

private func splitMix(_ state: inout UInt64) -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// Shows the start of an input in a report.
func preview(_ bytes: some Collection<UInt8>, limit: Int = 400) -> String {
    var text = ""
    for byte in bytes.prefix(limit) {
        switch byte {
        case 13: text += "\\r"
        case 10: text += "\\n"
        case 9: text += "\\t"
        case 0x20...0x7E where byte != 0x5C: text.unicodeScalars.append(Unicode.Scalar(byte))
        default: text += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }
    }
    return bytes.count > limit ? text + "... (\(bytes.count) bytes)" : text
}
