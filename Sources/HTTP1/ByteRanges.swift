/// A Range header's value (RFC 9110 §14.1.2), before it meets a representation: the
/// `bytes` unit and its range-specs, in the order asked.
///
/// Invariant: every `from` has `first <= last` when a last is given, and every `suffix` a
/// length; a value that breaks a rule, or names another unit, is not a `ByteRangeSet` at all
/// (the Range field is then ignored, RFC 9110 §14.2).
public struct ByteRangeSet: Sendable, Equatable {
    public enum Spec: Sendable, Equatable {
        /// `first-last`, or `first-` to the end.
        case from(Int, through: Int?)
        /// `-length`: the last `length` bytes.
        case suffix(Int)
    }

    public let specs: [Spec]

    public init?(parsing text: String) {
        var reader = ByteReader(text)
        // range-unit "=" range-set, the unit's name case-insensitive (RFC 9110 §14.1).
        guard reader.take(ignoringCase: "bytes"), reader.take(ASCII.equals) else { return nil }
        var specs: [Spec] = []
        while true {
            reader.skipListSeparators()
            if reader.isAtEnd { break }
            if reader.take(UInt8(ascii: "-")) {
                guard let length = reader.digits() else { return nil }
                specs.append(.suffix(length))
            } else {
                guard let first = reader.digits(), reader.take(UInt8(ascii: "-")) else { return nil }
                let last = reader.digits()
                if let last, last < first { return nil }  // invalid: the whole field is ignored
                specs.append(.from(first, through: last))
            }
            reader.skipWhitespace()
            guard reader.isAtEnd || reader.peek == ASCII.comma else { return nil }
        }
        guard !specs.isEmpty else { return nil }
        self.specs = specs
    }

    /// The ranges that are satisfiable for a representation of `length` bytes (RFC 9110
    /// §14.1.2: a first position inside it, or a suffix of a non-zero length), each clipped to
    /// the last byte; empty when none is (416).
    public func satisfiable(length: Int) -> [ClosedRange<Int>] {
        specs.compactMap { spec in
            switch spec {
            case .from(let first, let last):
                guard first < length else { return nil }
                return first...min(last ?? length - 1, length - 1)
            case .suffix(let count):
                guard count > 0, length > 0 else { return nil }
                return max(0, length - count)...(length - 1)
            }
        }
    }
}
