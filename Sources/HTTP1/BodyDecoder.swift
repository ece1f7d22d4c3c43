/// Reads past a request body, whole or in pieces, so the next request on the connection
/// starts at the right byte; the body itself is discarded (no route here takes one).
///
/// Invariant: `consume` never claims a byte beyond the body, and accepts at most
/// `maxBodyBytes` decoded bytes; chunked framing is checked exactly (RFC 9112 §7.1): each
/// chunk-size line is `HEX [ chunk-ext ] CRLF`, each trailer line a field line, and the
/// framing between two chunks' data (a size line with its extensions) or after the last
/// chunk (its line and the trailers) is at most `maxFramingBytes`.
public struct BodyDecoder: Sendable {
    /// What `consume` found.
    public enum Progress: Equatable, Sendable {
        /// These bytes were body; more body is expected.
        case needMoreData(consumed: Int)
        /// The body ended after these bytes; what follows is the next request.
        case complete(consumed: Int)
        case failure(HTTPError)
    }

    private enum State: Sendable, Equatable {
        case fixed(remaining: Int)
        case chunkSize(digits: Int, value: Int)
        /// After the size's digits, up to the line's CR.
        case chunkExtension(ChunkExtensionPosition)
        case chunkSizeLF
        case chunkData(remaining: Int)
        case chunkDataCR
        case chunkDataLF
        /// In a trailer line; at `.start`, a CR begins the empty line that ends the trailers.
        case trailerField(TrailerFieldPosition)
        case trailerLF(endsTrailers: Bool)
        case done
    }

    private var state: State
    private var decodedTotal = 0
    private var framingBytes = 0
    private let maxBodyBytes: Int

    /// Chunk-size lines and trailers are framing, not body; they get the head's budget, afresh
    /// for each chunk's size line and once for the last chunk's line with the trailers.
    private static let maxFramingBytes = 8192

    public init(framing: BodyFraming, maxBodyBytes: Int) {
        // Capped so the saturating chunk-size arithmetic below cannot overflow.
        self.maxBodyBytes = min(max(0, maxBodyBytes), 1 << 48)
        switch framing {
        case .none: state = .done
        case .contentLength(let length): state = length > 0 ? .fixed(remaining: length) : .done
        case .chunked: state = .chunkSize(digits: 0, value: 0)
        }
    }

    public var isComplete: Bool { state == .done }

    /// Consumes body bytes from the front of `bytes`.
    public mutating func consume(_ bytes: Span<UInt8>) -> Progress {
        var index = 0
        while index < bytes.count && state != .done {
            if case .fixed(let remaining) = state {
                let take = min(remaining, bytes.count - index)
                index += take
                state = remaining == take ? .done : .fixed(remaining: remaining - take)
                continue
            }
            if case .chunkData(let remaining) = state {
                let take = min(remaining, bytes.count - index)
                index += take
                state = remaining == take ? .chunkDataCR : .chunkData(remaining: remaining - take)
                continue
            }
            framingBytes += 1
            if framingBytes > Self.maxFramingBytes { return .failure(.chunkFramingTooLong) }
            if let error = step(bytes[index]) { return .failure(error) }
            index += 1
        }
        return state == .done ? .complete(consumed: index) : .needMoreData(consumed: index)
    }

    /// One byte of chunked framing: size line, CRLF after data, trailer section.
    private mutating func step(_ byte: UInt8) -> HTTPError? {
        switch state {
        case .chunkSize(let digits, let value):
            if let digit = ASCII.hexValue(byte).map(Int.init) {
                if digits == 16 { return .chunkSizeTooLong }
                // Saturate just past the limit: 16 hex digits can exceed Int.
                state = .chunkSize(digits: digits + 1, value: min(value << 4 | digit, maxBodyBytes + 1))
                return nil
            }
            guard digits > 0 else { return .malformedChunk }
            return endOfChunkSize(value, next: byte)
        case .chunkExtension(var position):
            switch position.take(byte) {
            case .more: state = .chunkExtension(position)
            case .endOfLine: state = .chunkSizeLF
            case .invalid: return .malformedChunk
            }
        case .chunkSizeLF:
            guard byte == ASCII.lf else { return .malformedChunk }
            state = pendingChunk
            // The budget bounds each size line (and the trailers), not the whole body: a valid
            // body of many small chunks within maxBodyBytes must not be refused.
            if pendingSize > 0 { framingBytes = 0 }
        case .chunkDataCR:
            guard byte == ASCII.cr else { return .malformedChunk }
            state = .chunkDataLF
        case .chunkDataLF:
            guard byte == ASCII.lf else { return .malformedChunk }
            state = .chunkSize(digits: 0, value: 0)
            framingBytes = 0  // each size line gets the whole budget, whatever came before it
        case .trailerField(.start) where byte == ASCII.cr:
            state = .trailerLF(endsTrailers: true)
        case .trailerField(var position):
            switch position.take(byte) {
            case .more: state = .trailerField(position)
            case .endOfLine: state = .trailerLF(endsTrailers: false)
            case .invalid: return .malformedChunk
            }
        case .trailerLF(let endsTrailers):
            guard byte == ASCII.lf else { return .malformedChunk }
            state = endsTrailers ? .done : .trailerField(.start)
        case .fixed, .chunkData, .done:
            preconditionFailure("BodyDecoder.step called in a data state")
        }
        return nil
    }

    private var pendingSize = 0

    /// After the hex digits: extensions (checked, then skipped), then CRLF.
    private mutating func endOfChunkSize(_ size: Int, next byte: UInt8) -> HTTPError? {
        decodedTotal += size
        if decodedTotal > maxBodyBytes { return .bodyTooLarge }
        pendingSize = size
        state = .chunkExtension(.afterSize)
        return step(byte)
    }

    /// The state after a size line: the chunk's data, or the trailers after the last chunk.
    private var pendingChunk: State {
        pendingSize == 0 ? .trailerField(.start) : .chunkData(remaining: pendingSize)
    }
}
