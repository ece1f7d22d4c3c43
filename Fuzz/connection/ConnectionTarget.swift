// libFuzzer target `connection`: the server's `RequestStream` (Sources/HTTP1/RequestStream.swift,
// the one every mode drives a connection through) over arbitrary byte streams, checked
// against the independent oracle (Support/Oracle.swift). There is no copy of server logic here.
//
// Each chunk is one read. Properties, on every input:
// 1. No read past its input: every read is an exactly-sized heap copy (ASan, Span's checks).
// 2. Fed whole, the stream reports exactly what the oracle finds: the same requests (heads),
//    refusals (statuses) and 100-continue heads answered before their body, in order, and it
//    ends where the oracle ends the connection (after a request without keep-alive, a
//    refusal, or such a 100-continue head), else stops in the same place (an unfinished head
//    buffered, or between requests or in a body with every byte used).
// 3. Fed byte by byte, each request is reported at its last byte: requests follow each other
//    back to back with no gap and no overlap, and each body ends where its framing says.
// 4. Every refusal's status is one of the contract's; nothing is reported after the end, and
//    the stream's state is consistent (a refusal ends it; an unfinished request is unanswered).
// 5. The same events however the stream is split, except for what RFC 9110 §10.1.1 makes
//    split-dependent on purpose: a 100-continue head that ends exactly where a read ends is
//    answered at once and ends the stream (the earlier events still agree).

// Compiled into one module with Sources/HTTP1/*.swift (see run.sh): no `import HTTP1`.

/// What the oracle says one request of the stream comes to.
enum OracleOutcome: Equatable, CustomStringConvertible {
    /// A complete request from `start`; its head ends at `headEnd` and its body at `end`.
    case request(RequestHead, start: Int, headEnd: Int, end: Int)
    /// A 100-continue head with no body byte after it in the stream.
    case expectClose(RequestHead, start: Int, headEnd: Int)
    /// A refused request starting at `start`.
    case failure(status: Int, start: Int)

    var description: String {
        switch self {
        case .request(let head, let start, _, let end): "request(\(head.requestLine), \(head.framing), \(start)..<\(end))"
        case .expectClose(let head, let start, let end): "expectClose(\(head.requestLine), \(start)..<\(end))"
        case .failure(let status, let start): "failure(\(status) at \(start))"
        }
    }

    /// The stream's event for this outcome, up to what the oracle does not model (what a
    /// refusal keeps of the request for the log).
    func matches(_ event: RequestStream.Event) -> Bool {
        switch (self, event) {
        case (.request(let head, _, _, _), .request(let reported)): head == reported
        case (.expectClose(let head, _, _), .requestBeforeItsBody(let reported)): head == reported
        case (.failure(let status, _), .refusal(let error, _)): status == error.status.code
        default: false
        }
    }
}

struct OracleResult: CustomStringConvertible {
    var outcomes: [OracleOutcome] = []
    var closed = false
    /// Bytes at the end that are the start of an unfinished head.
    var leftover = 0

    var description: String { "\(outcomes) closed \(closed) leftover \(leftover)" }
}

/// What the stream reported, and how many bytes had been received at each event.
struct StreamRun: CustomStringConvertible {
    var events: [RequestStream.Event] = []
    var reportedAt: [Int] = []
    var position = RequestStream.Position.betweenRequests
    var hasUnansweredBytes = false

    var description: String { "\(events) at \(reportedAt), \(position), unanswered bytes \(hasUnansweredBytes)" }

    /// The events up to what a refusal keeps of its first line, which is what had arrived when
    /// it was refused (the one part of an event that depends on the split).
    var comparableEvents: [RequestStream.Event] { events.map(\.splitIndependent) }

    func sameEvents(as other: StreamRun) -> Bool {
        comparableEvents == other.comparableEvents && position == other.position && hasUnansweredBytes == other.hasUnansweredBytes
    }
}

func run(_ input: [UInt8], _ split: Split, limits: ParserLimits) -> StreamRun {
    var stream = RequestStream(limits: limits)
    var result = StreamRun()
    var received = 0
    for chunk in split.chunks(input) {
        let endedBefore = stream.position == .ended
        let eventsBefore = result.events.count
        withExactCopy(chunk) { stream.receive($0, into: &result.events) }
        received += chunk.count
        var context: String { "split: \(split), limits: \(limits)\nrun so far: \(result)\ninput: \(preview(input))" }
        require(!endedBefore || result.events.count == eventsBefore, "nothing is reported after the end", context)
        for event in result.events[eventsBefore...] {
            if case .refusal(let error, _) = event {
                require(contractStatuses.contains(error.status.code), "every error maps to a contract status", "\(error)")
            }
        }
        if case .refusal? = result.events.last {
            require(stream.position == .ended && stream.hasUnansweredBytes, "a refusal ends the stream, its rest unread", context)
        }
        if case .requestBeforeItsBody? = result.events.last {
            require(stream.position == .ended, "a request answered before its body ends the stream", context)
        }
        if stream.position == .inHead || stream.position == .inBody {
            require(stream.hasUnansweredBytes, "an unfinished request is unanswered", context)
        }
        result.reportedAt += Array(repeating: received, count: result.events.count - eventsBefore)
    }
    result.position = stream.position
    result.hasUnansweredBytes = stream.hasUnansweredBytes
    return result
}

/// What the oracle says the connection does with the whole stream.
func expected(_ input: [UInt8], limits: ParserLimits) -> OracleResult {
    var result = OracleResult()
    var position = 0
    while position < input.count {
        switch judgeHead(input[position...], limits: limits) {
        case .needMore:
            result.leftover = input.count - position
            return result
        case .reject(let status, _):
            result.outcomes.append(.failure(status: status, start: position))
            result.closed = true
            return result
        case .accept(let head, let headLength):
            let headEnd = position + headLength
            if head.framing != .none && head.expectsContinue && headEnd == input.count {
                result.outcomes.append(.expectClose(head, start: position, headEnd: headEnd))
                result.closed = true
                return result
            }
            switch judgeBody(head.framing, input[headEnd...], maxBodyBytes: limits.maxBodyBytes) {
            case .incomplete:
                return result  // the decoder has used every byte
            case .reject(let status):
                result.outcomes.append(.failure(status: status, start: position))
                result.closed = true
                return result
            case .complete(let length):
                result.outcomes.append(.request(head, start: position, headEnd: headEnd, end: headEnd + length))
                position = headEnd + length
                if !head.keepAlive {
                    result.closed = true
                    return result
                }
            }
        }
    }
    return result
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConnection(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    for limits in fuzzLimitSets { check(input, limits: limits) }
    return 0
}

/// Every property for one input under one set of limits.
func check(_ input: [UInt8], limits: ParserLimits) {
    let whole = run(input, .whole, limits: limits)
    let oracle = expected(input, limits: limits)
    var details: String { "limits: \(limits)\nstream: \(whole)\noracle: \(oracle)\ninput: \(preview(input))" }

    // 2. Whole: the oracle's outcomes and end state.
    require(whole.events.count == oracle.outcomes.count && zip(oracle.outcomes, whole.events).allSatisfy { $0.matches($1) },
            "the stream reports what the contract says", details)
    require((whole.position == .ended) == oracle.closed, "the stream ends where the contract ends the connection", details)
    if !oracle.closed {
        require((whole.position == .inHead) == (oracle.leftover > 0), "an unfinished head is what is left", details)
    }

    // 3. Byte by byte: each event at its request's last byte, up to the first 100-continue head
    // with a body (every head ends a read here, so that one is answered before its body).
    let byteByByte = run(input, .byteByByte, limits: limits)
    for (index, outcome) in oracle.outcomes.enumerated() where index < byteByByte.events.count {
        let at = byteByByte.reportedAt[index]
        var context: String { "event \(index) reported at \(at)\nbyte by byte: \(byteByByte)\n\(details)" }
        switch (outcome, byteByByte.events[index]) {
        case (.request(_, _, _, let end), .request):
            require(at == end, "a request is reported at its last byte, back to back", context)
        case (.request(let head, _, let headEnd, _), .requestBeforeItsBody(let reported)),
             (.expectClose(let head, _, let headEnd), .requestBeforeItsBody(let reported)):
            require(reported == head && at == headEnd, "a 100-continue head is answered where it ends", context)
            return checkSplits(input, whole, byteByByte, oracle, limits)  // nothing follows it
        case (.failure(_, let start), .refusal):
            require(at > start, "a refusal comes at or after its request's first byte", context)
        case (.failure, .requestBeforeItsBody):
            // Its body was refused when fed whole; here the head ended a read first.
            return checkSplits(input, whole, byteByByte, oracle, limits)
        default:
            violation("byte by byte, the same requests as the contract's", context)
        }
    }
    checkSplits(input, whole, byteByByte, oracle, limits)
}

/// 5. Other splits agree with the whole run, up to the Expect rule.
func checkSplits(_ input: [UInt8], _ whole: StreamRun, _ byteByByte: StreamRun, _ oracle: OracleResult, _ limits: ParserLimits) {
    for (split, other) in [(Split.byteByByte, byteByByte), (.twoCuts, run(input, .twoCuts, limits: limits)), (.manyCuts, run(input, .manyCuts, limits: limits))] {
        if other.sameEvents(as: whole) { continue }
        var details: String { "limits: \(limits)\nwhole:        \(whole)\n\(split): \(other)\ncuts: \(split.cuts(input).prefix(20))\ninput: \(preview(input))" }
        guard case .requestBeforeItsBody(let head)? = other.events.last, other.position == .ended else {
            violation("the same events however the stream is split", details)
        }
        let k = other.events.count - 1
        require(k <= whole.events.count && Array(whole.comparableEvents[..<k]) == Array(other.comparableEvents[..<k]),
                "the same events before a 100-continue head that ended a read", details)
        // The oracle knows where that head ends: it must be where this read ended.
        guard k < oracle.outcomes.count else {
            // Fed whole, its body was still arriving when the stream ended.
            require(whole.position == .inBody, "the same events however the stream is split", details)
            continue
        }
        switch oracle.outcomes[k] {
        case .request(let oracleHead, _, let headEnd, _), .expectClose(let oracleHead, _, let headEnd):
            require(oracleHead == head && other.reportedAt[k] == headEnd, "a 100-continue head is answered only where a read ends it", details)
        case .failure:
            // Its body was refused when fed whole (the head itself was valid).
            require(headOfRefusal(k, input, oracle, limits) == head, "the same 100-continue head", details)
        }
    }
}

/// The head the oracle accepts at the start of refused outcome `k` (its body was refused).
func headOfRefusal(_ k: Int, _ input: [UInt8], _ oracle: OracleResult, _ limits: ParserLimits) -> RequestHead? {
    guard case .failure(_, let start) = oracle.outcomes[k], case .accept(let head, _) = judgeHead(input[start...], limits: limits) else {
        return nil
    }
    return head
}

extension RequestStream.Event {
    /// The event without a refused head's first line (see `StreamRun.comparableEvents`).
    var splitIndependent: Self {
        if case .refusal(let error, .firstLine) = self { return .refusal(error, .firstLine([])) }
        return self
    }
}
