// libFuzzer target `connection`: the epoll reactor's connection state machine (parser +
// keep-alive + body framing) over arbitrary byte streams.
//
// `ConnectionModel` is a copy of what the reactor does with the bytes of one connection, minus
// the socket, the timers and the worker pool, because those functions are private to
// HelloServer: `process`, `accept` and `stop` are Reactor.process/accept/stop from
// Sources/HelloServer/Reactor/Reactor+Reading.swift line for line; `ingest` is Reactor.ingest (fast
// path straight from the read, else through the connection's buffer); `afterParsing` keeps
// the parts of Reactor.afterParsing, ResponseJob.run and Reactor.responsesWritten
// (Reactor+Writing.swift) that decide what happens to the connection: hand complete requests
// to a worker, answer a refused one, close after a response when `closeAfterResponses` is
// set, else parse the pipelined bytes still buffered. Keep it in step with those functions.
// Left out on purpose: routing (a route that closes the connection), timeouts, half-close.
//
// Each chunk is one read. Properties, on every input:
// 1. No call reads past its input (exact-size copies; ASan) or claims more bytes than given;
//    the bytes used never exceed the bytes received.
// 2. Every complete request is accounted for exactly once: requests follow each other in the
//    stream with no gap and no overlap, and (fed whole) they are exactly those the contract
//    oracle finds, with the same heads, body lengths and refusals (statuses), and the
//    connection ends where the contract ends it: after a request without keep-alive, after a
//    refusal, after an `Expect: 100-continue` head with no body bytes buffered behind it.
// 3. Every refusal's status is one of the contract's.
// 4. The outcomes are the same however the stream is split, except for what RFC 9110 §10.1.1
//    makes split-dependent on purpose: a 100-continue head that ends exactly where a read
//    ends is answered at once and closes the connection (then the earlier outcomes agree).

// Compiled into one module with Sources/HTTP1/*.swift (see run.sh): no `import HTTP1`.

enum ConnectionOutcome: Equatable, CustomStringConvertible {
    /// A complete request (head and body) from `start` to `end` in the stream, handed to a worker.
    case request(RequestHead, start: Int, end: Int)
    /// A 100-continue head with no body bytes buffered: answered, then the connection closes.
    case expectClose(RequestHead, start: Int, headEnd: Int)
    /// A refused request starting at `start`: answered with the error's status, then closed.
    case failure(status: Int, start: Int)

    var description: String {
        switch self {
        case .request(let head, let start, let end): "request(\(head.requestLine), \(head.framing), keepAlive \(head.keepAlive), \(start)..<\(end))"
        case .expectClose(let head, let start, let end): "expectClose(\(head.requestLine), \(start)..<\(end))"
        case .failure(let status, let start): "failure(\(status) at \(start))"
        }
    }

    var start: Int {
        switch self {
        case .request(_, let start, _), .expectClose(_, let start, _), .failure(_, let start): start
        }
    }
}

struct ConnectionResult: Equatable, CustomStringConvertible {
    var outcomes: [ConnectionOutcome] = []
    var closed = false
    /// When still open: bytes buffered (the start of an unfinished head), and whether a
    /// request is in progress.
    var leftover = 0
    var midRequest = false

    var description: String { "\(outcomes) closed \(closed) leftover \(leftover) midRequest \(midRequest)" }
}

/// The reactor's read side of one connection (see the file's header).
struct ConnectionModel {
    let maxBodyBytes: Int
    var parser: RequestParser
    var body: BodyDecoder?
    var headAwaitingBody: RequestHead?
    var requests: [RequestHead] = []
    var terminalError: HTTPError?
    var closeAfterResponses = false
    var buffer: [UInt8] = []
    var closed = false

    // Bookkeeping for the checks; the reactor has none of it.
    var used = 0  // stream offset of the first byte not yet used
    var received = 0
    var requestStart = 0  // stream offset of the request whose body is being read
    var outcomes: [ConnectionOutcome] = []
    /// Exact-size copies for each call (not byte by byte: see withSpan).
    let exact: Bool
    /// Says which run this is, for a report.
    let describe: () -> String
    var context: String { describe() + "\noutcomes so far: \(outcomes)" }

    init(limits: ParserLimits, exact: Bool, describe: @escaping () -> String) {
        maxBodyBytes = limits.maxBodyBytes
        parser = RequestParser(limits: limits)
        self.exact = exact
        self.describe = describe
    }

    /// One read of `chunk` (Reactor.ingest, then Reactor.afterParsing).
    mutating func ingest(_ chunk: ArraySlice<UInt8>) {
        guard !closed else { return }  // the reactor reads nothing more once it closes
        received += chunk.count
        if buffer.isEmpty {
            // Fast path: parse straight from the read buffer; keep only an unfinished tail.
            let consumed = process(chunk)
            require(consumed <= chunk.count, "process uses no more than the read gave", "\(consumed) of \(chunk.count)\n\(context)")
            used += consumed
            if consumed < chunk.count { buffer.append(contentsOf: chunk[(chunk.startIndex + consumed)...]) }
        } else {
            buffer.append(contentsOf: chunk)
            processBuffered()
        }
        require(used <= received, "bytes used never exceed bytes received", "\(used) > \(received)\n\(context)")
        afterParsing()
    }

    /// Reactor.processBuffered.
    mutating func processBuffered() {
        let consumed = process(buffer[...])
        require(consumed <= buffer.count, "process uses no more than the buffer holds", "\(consumed) of \(buffer.count)\n\(context)")
        used += consumed
        buffer.removeFirst(consumed)
    }

    /// Hand-off, the worker's answers, hand-back (Reactor.afterParsing, ResponseJob.run,
    /// Reactor.handBackCompleted and responsesWritten), without timers.
    mutating func afterParsing() {
        while !closed {
            if !requests.isEmpty {
                // A worker answers them (and terminalError after them); then hand-back.
                requests.removeAll()
                terminalError = nil
                if closeAfterResponses { closed = true; return }
                // responsesWritten: back to reading, pipelined bytes first.
                guard !buffer.isEmpty else { return }
                processBuffered()
                continue
            }
            if terminalError != nil {
                terminalError = nil
                closed = true  // respondWithError: answered, then closed
            }
            return
        }
    }

    /// Reactor.process: runs the parser and body decoder over `bytes` (the current request
    /// from its first byte onwards); collects complete requests; returns how many bytes were
    /// used up.
    private mutating func process(_ input: ArraySlice<UInt8>) -> Int {
        let base = used  // stream offset of input's first byte
        return withSpan(input, exact: exact) { bytes in
            var offset = 0
            while offset < bytes.count && !closeAfterResponses {
                let rest = bytes.extracting(offset..<bytes.count)
                if var decoder = body {
                    switch decoder.consume(rest) {
                    case .needMoreData(let consumed):
                        require(consumed <= rest.count, "the decoder claims no more than it was given", "\(consumed) of \(rest.count)\n\(context)")
                        body = decoder
                        return offset + consumed
                    case .complete(let consumed):
                        require(consumed <= rest.count, "the decoder claims no more than it was given", "\(consumed) of \(rest.count)\n\(context)")
                        offset += consumed
                        body = nil
                        if let head = headAwaitingBody { accept(head, start: requestStart, end: base + offset) }
                        headAwaitingBody = nil
                    case .failure(let error):
                        body = nil
                        return stop(error, offset, start: requestStart)
                    }
                    continue
                }
                switch parser.parse(rest) {
                case .needMoreData:
                    return offset
                case .failure(let error):
                    return stop(error, offset, start: base + offset)
                case .complete(let head, let headLength):
                    require(headLength <= rest.count, "a head is within its input", "\(headLength) of \(rest.count)\n\(context)")
                    let start = base + offset
                    offset += headLength
                    if head.framing == .none {
                        accept(head, start: start, end: base + offset)
                    } else if head.expectsContinue && offset == bytes.count {
                        // RFC 9110 §10.1.1: answer with the final status instead of 100 Continue;
                        // the unread body means the connection must close afterwards.
                        accept(head, start: start, end: base + offset)
                        outcomes[outcomes.count - 1] = .expectClose(head, start: start, headEnd: base + offset)  // bookkeeping
                        closeAfterResponses = true
                    } else {
                        body = BodyDecoder(framing: head.framing, maxBodyBytes: maxBodyBytes)
                        headAwaitingBody = head
                        requestStart = start
                    }
                }
            }
            return offset
        }
    }

    /// Reactor.accept.
    private mutating func accept(_ head: RequestHead, start: Int, end: Int) {
        requests.append(head)
        outcomes.append(.request(head, start: start, end: end))
        if !head.keepAlive { closeAfterResponses = true }
    }

    /// Reactor.stop.
    private mutating func stop(_ error: HTTPError, _ offset: Int, start: Int) -> Int {
        require(contractStatuses.contains(error.status.code), "every error maps to a contract status", "\(error)")
        outcomes.append(.failure(status: error.status.code, start: start))
        terminalError = error
        closeAfterResponses = true
        return offset
    }

    var result: ConnectionResult {
        ConnectionResult(
            outcomes: outcomes, closed: closed, leftover: closed ? 0 : buffer.count,
            midRequest: !closed && (body != nil || parser.hasPartialRequest))
    }
}

func run(_ input: [UInt8], _ split: Split, limits: ParserLimits) -> ConnectionResult {
    var connection = ConnectionModel(limits: limits, exact: split != .byteByByte) {
        "split: \(split), limits: \(limits)\ninput: \(preview(input))"
    }
    for chunk in split.chunks(input) { connection.ingest(chunk) }
    let result = connection.result
    // Accounted for once: each request starts where the one before it ended.
    var next = 0
    for outcome in result.outcomes {
        require(outcome.start == next, "requests follow each other with no gap or overlap", "\(result)\n\(connection.context)")
        switch outcome {
        case .request(_, _, let end): next = end
        case .expectClose, .failure: next = -1  // nothing may follow
        }
    }
    return result
}

/// What the contract oracle says the connection does with the whole stream.
func expected(_ input: [UInt8], limits: ParserLimits) -> ConnectionResult {
    var result = ConnectionResult()
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
                result.outcomes.append(.request(head, start: position, end: headEnd + length))
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
    var comparable = whole
    comparable.midRequest = false
    require(comparable == oracle, "the connection does with the stream what the contract says",
            "limits: \(limits)\nmodel:  \(whole)\noracle: \(oracle)\ninput: \(preview(input))")

    for split in [Split.byteByByte, .twoCuts, .manyCuts] {
        let other = run(input, split, limits: limits)
        if other == whole { continue }
        // The one allowed difference: a 100-continue head that ended a read closed the connection.
        let details = "limits: \(limits)\nwhole:        \(whole)\n\(split): \(other)\ncuts: \(split.cuts(input).prefix(20))\ninput: \(preview(input))"
        guard case .expectClose(let head, let start, let headEnd)? = other.outcomes.last, other.closed else {
            violation("the same outcomes however the stream is split", details)
        }
        let k = other.outcomes.count - 1
        require(k <= whole.outcomes.count && Array(whole.outcomes[..<k]) == Array(other.outcomes[..<k]),
                "the same outcomes before a 100-continue head that ended a read", details)
        require(split.cuts(input).contains(headEnd), "a 100-continue head closes only when it ends a read", details)
        guard k < whole.outcomes.count else {
            // Fed whole, that request's body was still arriving when the stream ended.
            require(!whole.closed && whole.midRequest, "the same outcomes however the stream is split", details)
            continue
        }
        switch whole.outcomes[k] {
        case .request(let wholeHead, let wholeStart, _):
            require(wholeHead == head && wholeStart == start, "the same 100-continue head", details)
        case .failure(_, let wholeStart):
            require(wholeStart == start, "the same 100-continue head", details)
        case .expectClose:
            violation("the same outcomes however the stream is split", details)
        }
    }
}
