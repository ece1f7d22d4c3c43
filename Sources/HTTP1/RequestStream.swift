/// The requests of one connection, from its bytes: received in any split, reported as events
/// in order, with no I/O. Every mode of the server, the tests and the fuzzers drive a
/// connection through this one type.
///
/// It owns what happens between request heads and nothing else:
/// - pipelining: every request completed by the bytes given is reported at once, in order;
/// - bodies: a request is reported once its body has been read past (`BodyDecoder`);
/// - keep-alive: after a request that does not keep the connection open, after a refusal, or
///   (with `oneRequest`) after the first request, the stream has ended and reads no further;
/// - the Expect rule (RFC 9110 §10.1.1; Docs/HTTP.md, Expect): a head with
///   `Expect: 100-continue` and a body, complete when no byte of its body has arrived, is
///   reported at once as `requestBeforeItsBody` and ends the stream: its final response goes
///   out instead of 100 Continue, which the server never sends.
///
/// Invariant: the events depend only on the bytes, never on how they were split, with the one
/// exception the Expect rule makes on purpose (a 100-continue head that ends a read), and
/// what a refusal keeps of a bad head's first line for the log (what had arrived by then).
/// The stream keeps only the unfinished start of a request head: bytes are parsed straight
/// from the caller's span, and only a tail that is not yet a complete head is copied; the
/// parser refuses a head past `maxHeaderBytes`, so that copy stays below it plus one read.
public struct RequestStream: Sendable {
    /// Something the server must answer, in the order the requests arrived.
    public enum Event: Equatable, Sendable {
        /// A complete request, its body (if any) read past.
        case request(RequestHead)
        /// A 100-continue request answered before its body: the stream has ended.
        case requestBeforeItsBody(RequestHead)
        /// The request is refused with `error.status`; the stream has ended.
        case refusal(HTTPError, RefusedRequest)

        /// The head of an answered request; `nil` for a refusal.
        public var head: RequestHead? {
            switch self {
            case .request(let head), .requestBeforeItsBody(let head): head
            case .refusal: nil
            }
        }
    }

    /// What is known of a refused request, for the access log.
    public enum RefusedRequest: Equatable, Sendable {
        /// The head was complete: its body, or the wait for it, failed.
        case head(RequestHead)
        /// The head failed: the start of its first line as received by the time it failed, up
        /// to the CR or LF and at most `firstLineLimit` bytes (empty when the first byte ended it).
        case firstLine([UInt8])
    }

    /// Where the stream is between two reads.
    public enum Position: Equatable, Sendable {
        /// Every byte received is answered by an event: the next request has not begun.
        case betweenRequests
        /// Part of a request head has arrived (its bytes are buffered).
        case inHead
        /// A head is complete (`headAwaitingBody`) and its body is arriving.
        case inBody
        /// No more requests: the connection closes after the answers.
        case ended
    }

    /// A refused request's first line is kept up to this many bytes: enough for a log line.
    public static let firstLineLimit = 200

    public let limits: ParserLimits
    /// The book's modes: one request per connection, whatever the client asks.
    public let oneRequest: Bool
    private var parser: RequestParser
    private var body: BodyDecoder?
    /// The head whose body is being read (`position == .inBody`).
    public private(set) var headAwaitingBody: RequestHead?
    /// The unfinished start of the current request's head.
    private var buffer: [UInt8] = []
    private var hasEnded = false
    /// Bytes arrived that no event answers and the stream will not read: the rest of a refused
    /// request, a body left unread, or anything after the end.
    private var unansweredAfterEnd = false

    public init(limits: ParserLimits, oneRequest: Bool = false) {
        self.limits = limits
        self.oneRequest = oneRequest
        parser = RequestParser(limits: limits)
    }

    /// Kept up to date by every change rather than computed: the reactor reads it several times
    /// per request, and a stored property is read in place.
    public private(set) var position = Position.betweenRequests

    private mutating func updatePosition() {
        position = hasEnded ? .ended : body != nil ? .inBody : buffer.isEmpty ? .betweenRequests : .inHead
    }

    /// Whether bytes have arrived that no event answers: a request in progress, or bytes the
    /// stream will not read. The client may still be sending, so closing at once could reset
    /// the connection and destroy the answer in flight.
    public var hasUnansweredBytes: Bool { unansweredAfterEnd || body != nil || !buffer.isEmpty }

    /// Takes the next bytes of the connection; appends what they complete to `events`.
    public mutating func receive(_ bytes: Span<UInt8>, into events: inout [Event]) {
        guard !bytes.isEmpty else { return }
        guard !hasEnded else {
            unansweredAfterEnd = true
            return
        }
        if buffer.isEmpty {
            // The usual case: parse straight from the caller's bytes; keep only an unfinished tail.
            let used = process(bytes, &events)
            if used < bytes.count { keep(bytes.extracting(used..<bytes.count)) }
        } else {
            bytes.withUnsafeBufferPointer { buffer.append(contentsOf: $0) }
            var used = 0
            do {
                // A local reference for the span; it ends before the buffer changes (no copy).
                let buffered = buffer
                used = process(buffered.span, &events)
            }
            buffer.removeFirst(used)
            if hasEnded && !buffer.isEmpty {
                unansweredAfterEnd = true
                buffer = []
            }
            // A long head's buffer is not kept for the rest of the connection.
            if buffer.isEmpty && buffer.capacity > 16 * 1024 { buffer = [] }
        }
        updatePosition()
    }

    /// The client's time ran out (Docs/HTTP.md, Deadlines): the refusal that answers the request
    /// in progress, or `nil` between requests (the connection closes without a word). The
    /// stream has ended either way.
    public mutating func expire() -> Event? {
        guard !hasEnded else { return nil }
        var refusal: Event?
        if let head = headAwaitingBody {
            refusal = .refusal(.bodyTimeout, .head(head))
        } else if !buffer.isEmpty {
            refusal = .refusal(.headerTimeout, .firstLine(Self.firstLine(buffer.span)))
        }
        end()
        return refusal
    }

    /// The server ends the connection after the current answers (a route that closes it, or
    /// shutdown); whatever is still arriving goes unanswered.
    public mutating func end() {
        guard !hasEnded else { return }
        if hasUnansweredBytes { unansweredAfterEnd = true }
        hasEnded = true
        buffer = []
        body = nil
        headAwaitingBody = nil
        position = .ended
    }

    /// Runs the parser and body decoder over `bytes` (the current request from its first byte
    /// onwards); appends the events; returns how many bytes were used up.
    private mutating func process(_ bytes: Span<UInt8>, _ events: inout [Event]) -> Int {
        var offset = 0
        while offset < bytes.count && !hasEnded {
            let rest = bytes.extracting(offset..<bytes.count)
            if var decoder = body {
                switch decoder.consume(rest) {
                case .needMoreData(let consumed):
                    body = decoder
                    return offset + consumed
                case .complete(let consumed):
                    offset += consumed
                    body = nil
                    if let head = headAwaitingBody { answer(head, &events) }
                    headAwaitingBody = nil
                case .failure(let error):
                    body = nil
                    refuse(error, headAwaitingBody.map { .head($0) } ?? .firstLine([]), &events)
                    headAwaitingBody = nil
                    return offset
                }
                continue
            }
            switch parser.parse(rest) {
            case .needMoreData:
                return offset
            case .failure(let error):
                refuse(error, .firstLine(Self.firstLine(rest)), &events)
                return offset
            case .complete(let head, let headLength):
                offset += headLength
                if head.framing == .none {
                    answer(head, &events)
                } else if head.expectsContinue && offset == bytes.count {
                    // Not a byte of the body yet: the final status answers instead of 100
                    // Continue, and the unread body means the connection must close afterwards.
                    events.append(.requestBeforeItsBody(head))
                    hasEnded = true
                } else {
                    body = BodyDecoder(framing: head.framing, maxBodyBytes: limits.maxBodyBytes)
                    headAwaitingBody = head
                }
            }
        }
        return offset
    }

    private mutating func answer(_ head: RequestHead, _ events: inout [Event]) {
        events.append(.request(head))
        if !head.keepAlive || oneRequest { hasEnded = true }
    }

    /// A refusal ends the stream; the refused request's bytes from the failure on stay unread.
    private mutating func refuse(_ error: HTTPError, _ request: RefusedRequest, _ events: inout [Event]) {
        events.append(.refusal(error, request))
        hasEnded = true
        unansweredAfterEnd = true
    }

    private mutating func keep(_ tail: Span<UInt8>) {
        if hasEnded {
            unansweredAfterEnd = true
        } else {
            tail.withUnsafeBufferPointer { buffer.append(contentsOf: $0) }
        }
    }

    private static func firstLine(_ bytes: Span<UInt8>) -> [UInt8] {
        var line: [UInt8] = []
        var index = 0
        while index < min(bytes.count, firstLineLimit) && bytes[index] != ASCII.cr && bytes[index] != ASCII.lf {
            line.append(bytes[index])
            index += 1
        }
        return line
    }
}
