// libFuzzer target `parser`: RequestParser and BodyDecoder over arbitrary bytes.
//
// The input is a byte stream as a client would send it. It is fed to a connection driver
// (the one in Tests/HTTP1Tests/TestSupport.swift: accumulate a buffer, parse the current
// request from its first byte, drop `headLength`, consume the body with BodyDecoder, repeat)
// whole, byte by byte, and in chunks cut at points the input picks. Properties, on every input:
//
// 1. No read past the input: every call gets an exactly-sized heap copy (ASan, Span checks).
// 2. Every parser and decoder result agrees with the independent contract oracle
//    (Support/Oracle.swift) given the same bytes: an accepted head is valid (request line
//    shape, Host, no NUL or bare CR, Content-Length, not both TE and CL, within the limit)
//    and means what the oracle says; an incomplete head is incomplete; a refusal is one the
//    contract makes, with the same status.
// 3. Every refusal's status is one of the contract's {400, 408, 413, 414, 431, 501, 505}.
// 4. The same events (heads, body lengths, errors) and the same final state whatever the split.
// 5. No call claims more bytes than it was given.
// 6. Each accepted head's path decodes (RequestPath) as the contract's Routes rules say.

// Compiled into one module with Sources/HTTP1/*.swift (see run.sh): no `import HTTP1`.

/// What the driver saw, in order.
enum DriverEvent: Equatable, CustomStringConvertible {
    case head(RequestHead, headLength: Int)
    case body(bytes: Int)
    case failure(HTTPError)

    var description: String {
        switch self {
        case .head(let head, let length): "head(\(head.requestLine), \(head.framing), \(length) bytes)"
        case .body(let count): "body(\(count) bytes)"
        case .failure(let error): "failure(\(error), \(error.status.code))"
        }
    }
}

struct DriverResult: Equatable, CustomStringConvertible {
    var events: [DriverEvent] = []
    /// Bytes received but not yet used (the start of an unfinished head).
    var leftover = 0
    var midRequest = false

    var description: String { "\(events) leftover \(leftover) midRequest \(midRequest)" }
}

/// The driver of TestSupport.swift, with every result checked against the oracle.
func drive(_ input: [UInt8], _ split: Split, limits: ParserLimits) -> DriverResult {
    var parser = RequestParser(limits: limits)
    var decoder: BodyDecoder?
    var buffer: [UInt8] = []
    var bufferStart = 0  // stream offset of buffer[0]
    var bodyStart = 0  // stream offset of the current body's first byte
    var received = 0
    var result = DriverResult()
    var failed = false
    // Byte by byte, checking "still incomplete" and copying the buffer after every byte would
    // be quadratic; the other splits do both.
    let checkIncomplete = split != .byteByByte

    func context() -> String { "split: \(split), limits: \(limits)\ninput: \(preview(input))\nevents so far: \(result.events)" }

    chunks: for chunk in split.chunks(input) {
        buffer.append(contentsOf: chunk)
        received += chunk.count
        while !failed {
            if var body = decoder {
                let progress = withSpan(buffer[...], exact: checkIncomplete) { body.consume($0) }
                let seen = input[bodyStart..<received]
                switch progress {
                case .needMoreData(let consumed):
                    require(consumed <= buffer.count, "the decoder claims no more than it was given", "\(progress)\n\(context())")
                    if checkIncomplete {
                        let verdict = judgeBody(result.lastFraming, seen, maxBodyBytes: limits.maxBodyBytes)
                        require(verdict == .incomplete, "an unfinished body is unfinished per the contract", "oracle: \(verdict)\n\(context())")
                    }
                    bufferStart += consumed
                    buffer.removeFirst(consumed)
                    decoder = body
                    continue chunks
                case .complete(let consumed):
                    require(consumed <= buffer.count, "the decoder claims no more than it was given", "\(progress)\n\(context())")
                    bufferStart += consumed
                    buffer.removeFirst(consumed)
                    let length = bufferStart - bodyStart
                    let verdict = judgeBody(result.lastFraming, seen, maxBodyBytes: limits.maxBodyBytes)
                    require(verdict == .complete(length: length), "a body ends where the contract says", "decoder: \(length) bytes, oracle: \(verdict)\n\(context())")
                    result.events.append(.body(bytes: length))
                    decoder = nil
                case .failure(let error):
                    require(contractStatuses.contains(error.status.code), "every error maps to a contract status", "\(error)")
                    let verdict = judgeBody(result.lastFraming, seen, maxBodyBytes: limits.maxBodyBytes)
                    require(verdict == .reject(status: error.status.code), "a body is refused only as the contract says", "decoder: \(error), oracle: \(verdict)\n\(context())")
                    result.events.append(.failure(error))
                    failed = true
                }
            } else {
                guard !buffer.isEmpty else { continue chunks }
                let outcome = withSpan(buffer[...], exact: checkIncomplete) { parser.parse($0) }
                var verdict: HeadVerdict { judgeHead(buffer[...], limits: limits) }
                switch outcome {
                case .needMoreData:
                    if checkIncomplete {
                        let verdict = verdict
                        require(verdict == .needMore, "an incomplete head is incomplete per the contract", "oracle: \(verdict)\n\(context())")
                    }
                    continue chunks
                case .complete(let head, let headLength):
                    require(headLength <= buffer.count && headLength <= limits.maxHeaderBytes, "a head is within its input and the limit", "headLength \(headLength)")
                    let verdict = verdict
                    require(verdict == .accept(head, headLength: headLength), "an accepted head breaks no contract rule and means what it says",
                            "parser: \(head) (\(headLength) bytes)\noracle: \(verdict)\n\(context())")
                    if split == .whole {
                        let decoded = RequestPath(decoding: head.path)
                        require(decoded == judgePath(head.path), "a path decodes once and never leaves the root",
                                "path \(head.path): \(decoded), oracle: \(judgePath(head.path))")
                    }
                    result.events.append(.head(head, headLength: headLength))
                    bufferStart += headLength
                    buffer.removeFirst(headLength)
                    if head.framing != .none {
                        decoder = BodyDecoder(framing: head.framing, maxBodyBytes: limits.maxBodyBytes)
                        bodyStart = bufferStart
                    }
                case .failure(let error):
                    require(contractStatuses.contains(error.status.code), "every error maps to a contract status", "\(error)")
                    let verdict = verdict
                    require(verdict == .reject(status: error.status.code, rule: verdict.rule), "a head is refused only as the contract says, with its status",
                            "parser: \(error) (\(error.status.code))\noracle: \(verdict)\n\(context())")
                    result.events.append(.failure(error))
                    failed = true
                }
            }
        }
    }
    if !failed {
        result.leftover = buffer.count
        result.midRequest = decoder != nil || parser.hasPartialRequest
        require(!parser.hasPartialRequest || !buffer.isEmpty, "a partial head has its bytes buffered", context())
    }
    return result
}

extension HeadVerdict {
    var rule: String {
        if case .reject(_, let rule) = self { return rule }
        return ""
    }
}

extension DriverResult {
    /// The framing of the last head (the body being read).
    var lastFraming: BodyFraming {
        for event in events.reversed() { if case .head(let head, _) = event { return head.framing } }
        return .none
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    for limits in fuzzLimitSets {
        // The first call reads libFuzzer's own buffer, exactly as given.
        var parser = RequestParser(limits: limits)
        _ = parser.parse(UnsafeBufferPointer(start: data, count: size).span)

        let whole = drive(input, .whole, limits: limits)
        for split in [Split.byteByByte, .twoCuts, .manyCuts] {
            let other = drive(input, split, limits: limits)
            require(other == whole, "the same result however the input is split",
                    "limits: \(limits)\nwhole:        \(whole)\n\(split): \(other)\ncuts: \(split.cuts(input).prefix(20))\ninput: \(preview(input))")
        }
    }
    return 0
}
