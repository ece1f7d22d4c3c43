import HTTP1
import Testing

// Helpers shared by the HTTP1 tests: byte conversion, one-shot parsing, and a small
// connection driver that feeds chunks into an accumulating buffer and runs
// RequestParser + BodyDecoder the way a server connection does.

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

/// What a connection saw, in order; two runs over the same bytes must yield equal lists.
enum ConnectionEvent: Equatable, Sendable, CustomStringConvertible {
    /// A complete head and the number of head bytes (`headLength`).
    case head(RequestHead, headLength: Int)
    /// A body ended after this many bytes of the stream (framing included).
    case body(bytes: Int)
    /// The request was refused; the connection stops reading.
    case failure(HTTPError)

    var description: String {
        switch self {
        case .head(let head, let length): "head(\(head.requestLine), \(head.framing), \(length) bytes)"
        case .body(let count): "body(\(count) bytes)"
        case .failure(let error): "failure(\(error))"
        }
    }
}

/// A server connection's read side without the socket: chunks are appended to a buffer,
/// heads are parsed from its front, bodies consumed with `BodyDecoder`, and consumed bytes
/// dropped, so the parser is always given the current request from its first byte.
struct ConnectionDriver {
    private(set) var parser: RequestParser
    private(set) var buffer: [UInt8] = []
    private(set) var events: [ConnectionEvent] = []
    private var decoder: BodyDecoder?
    private var bodyBytes = 0
    private(set) var failed = false

    init(limits: ParserLimits = ParserLimits()) {
        parser = RequestParser(limits: limits)
    }

    /// Whether the stream stopped in the middle of a head or a body.
    var isMidRequest: Bool { decoder != nil || parser.hasPartialRequest }

    mutating func receive(_ chunk: ArraySlice<UInt8>) {
        guard !failed else { return }
        buffer.append(contentsOf: chunk)
        while !failed {
            if var body = decoder {
                let progress = body.consume(buffer.span)
                switch progress {
                case .needMoreData(let consumed):
                    precondition(consumed <= buffer.count)
                    buffer.removeFirst(consumed)
                    bodyBytes += consumed
                    decoder = body
                    return
                case .complete(let consumed):
                    precondition(consumed <= buffer.count)
                    buffer.removeFirst(consumed)
                    bodyBytes += consumed
                    events.append(.body(bytes: bodyBytes))
                    decoder = nil
                case .failure(let error):
                    events.append(.failure(error))
                    failed = true
                }
            } else {
                guard !buffer.isEmpty else { return }
                var parser = self.parser
                let outcome = parser.parse(buffer.span)
                self.parser = parser
                switch outcome {
                case .needMoreData:
                    return
                case .complete(let head, let headLength):
                    events.append(.head(head, headLength: headLength))
                    buffer.removeFirst(headLength)
                    if head.framing != .none {
                        decoder = BodyDecoder(framing: head.framing, maxBodyBytes: parser.limits.maxBodyBytes)
                        bodyBytes = 0
                    }
                case .failure(let error):
                    events.append(.failure(error))
                    failed = true
                }
            }
        }
    }

    mutating func receive(_ chunk: [UInt8]) { receive(chunk[...]) }

    /// What the connection saw and where it stopped, for comparing runs.
    var summary: DriverSummary {
        DriverSummary(events: events, leftover: failed ? 0 : buffer.count, midRequest: !failed && isMidRequest)
    }
}

struct DriverSummary: Equatable, CustomStringConvertible {
    var events: [ConnectionEvent]
    /// Unconsumed bytes at the end (the start of an incomplete request).
    var leftover: Int
    var midRequest: Bool

    var description: String { "\(events) leftover: \(leftover) midRequest: \(midRequest)" }
}

/// Runs `stream` through a fresh driver in the given chunks (cut at `cuts`, ascending).
func drive(_ stream: [UInt8], cuts: [Int], limits: ParserLimits = ParserLimits()) -> DriverSummary {
    var driver = ConnectionDriver(limits: limits)
    var start = 0
    for cut in cuts + [stream.count] where cut >= start {
        driver.receive(stream[start..<cut])
        start = cut
    }
    return driver.summary
}

/// Runs `stream` through a fresh driver in one piece.
func driveWhole(_ stream: [UInt8], limits: ParserLimits = ParserLimits()) -> DriverSummary {
    drive(stream, cuts: [], limits: limits)
}

/// Runs `stream` through a fresh driver one byte at a time.
func driveByteByByte(_ stream: [UInt8], limits: ParserLimits = ParserLimits()) -> DriverSummary {
    drive(stream, cuts: Array(stream.indices.dropFirst()), limits: limits)
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
