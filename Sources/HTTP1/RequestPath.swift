/// A request path decoded for use as a file path under a document root.
///
/// Invariant: a `.safe` path starts with a single `/`, was percent-decoded exactly once,
/// holds no NUL, no `..` segment and no slash that was encoded, so joining it to a root
/// cannot climb out of it lexically (symlinks are the file system's part to check).
public enum RequestPath: Equatable, Sendable {
    /// The decoded path, safe to join to the root.
    case safe(String)
    /// A path that must never be served (traversal, encoded `/` or NUL): answer 404.
    case forbidden
    /// Not valid percent-encoding (`%` without two hex digits): answer 400.
    case malformed

    /// Decodes `path` (the target's path, without query) once and checks it (Docs/HTTP.md, Routes).
    public init(decoding path: String) {
        let utf8 = path.utf8
        guard utf8.first == ASCII.slash, !Self.hasDotDotSegment(utf8) else { self = .forbidden; return }
        // Nothing to decode (the common case): no copy, no allocation.
        guard utf8.contains(0x25) else {
            self = utf8.dropFirst().first == ASCII.slash ? .forbidden : .safe(path)  // `//...`
            return
        }
        let raw = Array(utf8)
        var decoded: [UInt8] = []
        decoded.reserveCapacity(raw.count)
        var index = 0
        while index < raw.count {
            let byte = raw[index]
            guard byte == 0x25 else { decoded.append(byte); index += 1; continue }
            guard index + 2 < raw.count, let high = ASCII.hexValue(raw[index + 1]), let low = ASCII.hexValue(raw[index + 2]) else {
                self = .malformed
                return
            }
            let value = high << 4 | low
            if value == ASCII.slash || value == 0 { self = .forbidden; return }
            decoded.append(value)
            index += 3
        }
        if decoded.starts(with: [ASCII.slash, ASCII.slash]) || Self.hasDotDotSegment(decoded) {
            self = .forbidden
            return
        }
        guard let text = String(validating: decoded, as: UTF8.self) else { self = .forbidden; return }
        self = .safe(text)
    }

    /// Whether a `/`-separated segment is exactly `..`, without copying the bytes.
    private static func hasDotDotSegment(_ bytes: some Collection<UInt8>) -> Bool {
        var segmentLength = 0
        var dots = 0
        for byte in bytes {
            if byte == ASCII.slash {
                if segmentLength == 2 && dots == 2 { return true }
                segmentLength = 0
                dots = 0
            } else {
                segmentLength += 1
                if byte == 0x2E { dots += 1 }
            }
        }
        return segmentLength == 2 && dots == 2
    }
}
