import HTTP1
import Testing

// Helpers shared by the HTTP1 tests: byte conversion, one-shot parsing, and a driver that
// feeds a byte stream to a `RequestStream` in chunks, as every mode of the server does.

/// The UTF-8 bytes of `text` (`\r\n` stays two bytes).
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Limits small enough that tests can build heads around them.
let smallLimits = ParserLimits(maxHeaderBytes: 256, maxBodyBytes: 64)

/// Parses `input` with a fresh parser in one call.
func parseWhole(_ input: [UInt8], limits: ParserLimits = ParserLimits()) -> RequestParser.Outcome {
    var parser = RequestParser(limits: limits)
    return parser.parse(input.span)
}

func parseWhole(_ input: String, limits: ParserLimits = ParserLimits()) -> RequestParser.Outcome {
    parseWhole(bytes(input), limits: limits)
}

/// The head of a request that must parse; records an issue (and returns nil) otherwise.
func expectHead(
    _ input: String, limits: ParserLimits = ParserLimits(), sourceLocation: SourceLocation = #_sourceLocation
) -> RequestHead? {
    switch parseWhole(input, limits: limits) {
    case .complete(let head, let headLength):
        #expect(headLength == input.utf8.count, "the whole input is one head", sourceLocation: sourceLocation)
        return head
    case let other:
        Issue.record("expected a complete head, got \(other)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Checks that `input` fails with exactly `error`, and that `error` maps to `status`.
func expectFailure(
    _ input: [UInt8], _ error: HTTPError, status: Int, limits: ParserLimits = ParserLimits(),
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(parseWhole(input, limits: limits) == .failure(error), sourceLocation: sourceLocation)
    #expect(error.status.code == status, sourceLocation: sourceLocation)
}

func expectFailure(
    _ input: String, _ error: HTTPError, status: Int, limits: ParserLimits = ParserLimits(),
    sourceLocation: SourceLocation = #_sourceLocation
) {
    expectFailure(bytes(input), error, status: status, limits: limits, sourceLocation: sourceLocation)
}

/// A request that must be refused: the input, the exact error and its status code.
struct Rejection: Sendable, CustomTestStringConvertible {
    let name: String
    let input: [UInt8]
    let error: HTTPError
    let status: Int

    init(_ name: String, _ input: String, _ error: HTTPError, _ status: Int) {
        self.init(name, bytes(input), error, status)
    }

    init(_ name: String, _ input: [UInt8], _ error: HTTPError, _ status: Int) {
        self.name = name
        self.input = input
        self.error = error
        self.status = status
    }

    var testDescription: String { "\(name) -> \(error) (\(status))" }
}

// MARK: - Connection driver

/// What a `RequestStream` did with a stream of bytes; two runs over the same bytes must agree.
struct DriverSummary: Equatable, CustomStringConvertible {
    var events: [RequestStream.Event]
    /// For each event, how many bytes had been received when it was reported: fed byte by
    /// byte, where its request ended (or where it was refused).
    var reportedAt: [Int]
    var position: RequestStream.Position
    var hasUnansweredBytes: Bool

    /// Whether the stream stopped in the middle of a head or a body.
    var midRequest: Bool { position == .inHead || position == .inBody }

    /// The complete heads, in order: of the answered requests, and of one whose body was refused.
    var heads: [RequestHead] {
        events.compactMap { event in
            if case .refusal(_, .head(let head)) = event { return head }
            return event.head
        }
    }

    /// The error of the refusal that ended the stream, if one did.
    var refusal: HTTPError? {
        if case .refusal(let error, _)? = events.last { return error }
        return nil
    }

    var description: String { "\(events) at \(reportedAt), \(position), unanswered bytes \(hasUnansweredBytes)" }

    /// The events, but for a refused head's first line: that is what had arrived when it was
    /// refused, the one part of an event that depends on the split.
    var comparableEvents: [RequestStream.Event] {
        events.map { event in
            if case .refusal(let error, .firstLine) = event { return .refusal(error, .firstLine([])) }
            return event
        }
    }

    static func == (a: Self, b: Self) -> Bool {
        // Where an event was reported depends on the split; what was reported must not.
        a.comparableEvents == b.comparableEvents && a.position == b.position && a.hasUnansweredBytes == b.hasUnansweredBytes
    }
}

/// Runs `stream` through a fresh `RequestStream` in chunks cut at `cuts` (ascending).
func drive(_ stream: [UInt8], cuts: [Int], limits: ParserLimits = ParserLimits(), oneRequest: Bool = false) -> DriverSummary {
    var requests = RequestStream(limits: limits, oneRequest: oneRequest)
    var events: [RequestStream.Event] = []
    var reportedAt: [Int] = []
    var start = 0
    for cut in cuts + [stream.count] where cut > start {
        // An exact-size copy per read, as a socket read delivers it.
        let chunk = Array(stream[start..<cut])
        requests.receive(chunk.span, into: &events)
        reportedAt += Array(repeating: cut, count: events.count - reportedAt.count)
        start = cut
    }
    return DriverSummary(events: events, reportedAt: reportedAt, position: requests.position, hasUnansweredBytes: requests.hasUnansweredBytes)
}

/// Runs `stream` through a fresh `RequestStream` in one piece.
func driveWhole(_ stream: [UInt8], limits: ParserLimits = ParserLimits()) -> DriverSummary {
    drive(stream, cuts: [], limits: limits)
}

/// Runs `stream` through a fresh `RequestStream` one byte at a time.
func driveByteByByte(_ stream: [UInt8], limits: ParserLimits = ParserLimits()) -> DriverSummary {
    drive(stream, cuts: Array(stream.indices.dropFirst()), limits: limits)
}

/// Whether a split run agrees with the whole run: the same, or different only as the Expect
/// rule (RFC 9110 §10.1.1) allows: a 100-continue head that ended a read was answered before
/// its body and ended the stream, after the same events as the whole run; `byteByByte` (the
/// run that reports each head where it ends) shows that the head ended at that read.
func agrees(_ split: DriverSummary, with whole: DriverSummary, byteByByte: DriverSummary) -> Bool {
    if split == whole { return true }
    guard case .requestBeforeItsBody(let head)? = split.events.last, split.position == .ended else { return false }
    let k = split.events.count - 1
    guard k <= whole.events.count, Array(whole.comparableEvents[..<k]) == Array(split.comparableEvents[..<k]) else { return false }
    guard k < byteByByte.events.count, byteByByte.events[k] == .requestBeforeItsBody(head),
        byteByByte.reportedAt[k] == split.reportedAt[k]
    else { return false }
    guard k < whole.events.count else { return whole.position == .inBody }  // its body was still arriving
    switch whole.events[k] {
    case .request(let wholeHead): return wholeHead == head
    case .refusal(_, .head(let wholeHead)): return wholeHead == head
    default: return false
    }
}

/// A small deterministic generator (SplitMix64), so random splits are reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random ascending cut points inside `0..<count`.
func randomCuts(count: Int, using generator: inout SplitMix64) -> [Int] {
    guard count > 1 else { return [] }
    let pieces = Int.random(in: 1...min(count, 12), using: &generator)
    return Set((0..<pieces).map { _ in Int.random(in: 1..<count, using: &generator) }).sorted()
}

/// A body decoder run over `input` in one call.
func consumeWhole(_ input: [UInt8], framing: BodyFraming, maxBodyBytes: Int = 1_048_576) -> BodyDecoder.Progress {
    var decoder = BodyDecoder(framing: framing, maxBodyBytes: maxBodyBytes)
    return decoder.consume(input.span)
}
