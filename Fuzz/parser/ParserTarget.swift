// libFuzzer target `parser`: the two units under `RequestStream`, each alone, over arbitrary
// bytes: `RequestParser` on the input's first request head, then `BodyDecoder` on what follows
// it. (Whole streams of requests, through the server's own `RequestStream`, are the
// `connection` target's.)
//
// The head is parsed as its contract says a caller must: each call is given the bytes so far
// from the first byte, extending the previous call's; the body decoder is given each new piece.
// Both are fed whole, byte by byte, and in chunks cut at points the input picks.
// Properties, on every input:
//
// 1. No read past the input: every call gets an exactly-sized heap copy (ASan, Span checks).
// 2. Every result agrees with the independent contract oracle (Support/Oracle.swift) given the
//    same bytes: an accepted head is valid (request line shape, Host, no NUL or bare CR,
//    Content-Length, not both TE and CL, within the limit) and means what the oracle says; an
//    incomplete head is incomplete; a refusal is one the contract makes, with the same status;
//    a body ends, stays unfinished or is refused exactly where the oracle says.
// 3. Every refusal's status is one of the contract's {400, 408, 413, 414, 431, 501, 505}.
// 4. The same results whatever the split.
// 5. No call claims more bytes than it was given.
// 6. An accepted head's path decodes (RequestPath) as the contract's Routes rules say.

// Compiled into one module with Sources/HTTP1/*.swift (see run.sh): no `import HTTP1`.

/// What the two units made of the input's first request.
struct UnitsResult: Equatable, CustomStringConvertible {
    var head: RequestParser.Outcome = .needMoreData
    var body: BodyDecoder.Progress?

    var description: String { "head: \(head), body: \(body.map { "\($0)" } ?? "-")" }
}

func parseFirstRequest(_ input: [UInt8], _ split: Split, limits: ParserLimits) -> UnitsResult {
    // Byte by byte, checking "still incomplete" and copying the prefix after every byte would
    // be quadratic; the other splits do both.
    let checkEveryCall = split != .byteByByte
    let context = { (result: UnitsResult) in "split: \(split), limits: \(limits)\nso far: \(result)\ninput: \(preview(input))" }
    var result = UnitsResult()
    var parser = RequestParser(limits: limits)
    let ends = split.cuts(input) + [input.count]
    var headLength = 0
    for (index, end) in ends.enumerated() {
        let isLast = index == ends.count - 1
        guard checkEveryCall || isLast || end % 64 == 0 else {
            // Still one call per byte (the parser examines each byte once); checked below.
            result.head = parser.parse(input.span.extracting(0..<end))
            switch result.head {
            case .needMoreData: continue
            case .complete(_, let length): headLength = length
            case .failure: break
            }
            break
        }
        let prefix = input[0..<end]
        result.head = withExactCopy(prefix) { parser.parse($0) }
        switch result.head {
        case .needMoreData:
            let verdict = judgeHead(prefix, limits: limits)
            require(verdict == .needMore, "an incomplete head is incomplete per the contract", "oracle: \(verdict)\n\(context(result))")
            continue
        case .complete(let head, let length):
            headLength = length
            require(length <= end && length <= limits.maxHeaderBytes, "a head is within its input and the limit", "headLength \(length)")
            let verdict = judgeHead(prefix, limits: limits)
            require(verdict == .accept(head, headLength: length), "an accepted head breaks no contract rule and means what it says",
                    "oracle: \(verdict)\n\(context(result))")
            if split == .whole {
                let decoded = RequestPath(decoding: head.path)
                require(decoded == judgePath(head.path), "a path decodes once and never leaves the root",
                        "path \(head.path): \(decoded), oracle: \(judgePath(head.path))")
            }
        case .failure(let error):
            require(contractStatuses.contains(error.status.code), "every error maps to a contract status", "\(error)")
            let verdict = judgeHead(prefix, limits: limits)
            require(verdict == .reject(status: error.status.code, rule: verdict.rule), "a head is refused only as the contract says, with its status",
                    "oracle: \(verdict)\n\(context(result))")
        }
        break
    }
    guard case .complete(let head, _) = result.head, head.framing != .none else { return result }
    result.body = decodeBody(input, from: headLength, framing: head.framing, split: split, limits: limits, context: context(result))
    return result
}

/// Runs a `BodyDecoder` over the input after the head, in the split's pieces.
func decodeBody(_ input: [UInt8], from bodyStart: Int, framing: BodyFraming, split: Split, limits: ParserLimits, context: String) -> BodyDecoder.Progress {
    var decoder = BodyDecoder(framing: framing, maxBodyBytes: limits.maxBodyBytes)
    var used = bodyStart
    var progress = BodyDecoder.Progress.needMoreData(consumed: 0)
    for end in split.cuts(input) + [input.count] where end > used {
        let piece = input[used..<end]
        progress = withExactCopy(piece) { decoder.consume($0) }
        let seen = input[bodyStart..<end]
        switch progress {
        case .needMoreData(let consumed):
            require(consumed == piece.count, "an unfinished body uses every byte it is given", "\(progress)\n\(context)")
            used = end
            if split != .byteByByte || end == input.count {
                let verdict = judgeBody(framing, seen, maxBodyBytes: limits.maxBodyBytes)
                require(verdict == .incomplete, "an unfinished body is unfinished per the contract", "oracle: \(verdict)\n\(context)")
            }
        case .complete(let consumed):
            require(consumed <= piece.count, "the decoder claims no more than it was given", "\(progress)\n\(context)")
            let verdict = judgeBody(framing, seen, maxBodyBytes: limits.maxBodyBytes)
            require(verdict == .complete(length: used + consumed - bodyStart), "a body ends where the contract says",
                    "decoder: \(used + consumed - bodyStart) bytes, oracle: \(verdict)\n\(context)")
            return .complete(consumed: used + consumed - bodyStart)
        case .failure(let error):
            require(contractStatuses.contains(error.status.code), "every error maps to a contract status", "\(error)")
            let verdict = judgeBody(framing, seen, maxBodyBytes: limits.maxBodyBytes)
            require(verdict == .reject(status: error.status.code), "a body is refused only as the contract says", "decoder: \(error), oracle: \(verdict)\n\(context)")
            return progress
        }
    }
    // Reported as the whole body's progress, so that every split can be compared.
    return .needMoreData(consumed: used - bodyStart)
}

extension HeadVerdict {
    var rule: String {
        if case .reject(_, let rule) = self { return rule }
        return ""
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    for limits in fuzzLimitSets {
        // The first call reads libFuzzer's own buffer, exactly as given.
        var parser = RequestParser(limits: limits)
        _ = parser.parse(UnsafeBufferPointer(start: data, count: size).span)

        let whole = parseFirstRequest(input, .whole, limits: limits)
        for split in [Split.byteByByte, .twoCuts, .manyCuts] {
            let other = parseFirstRequest(input, split, limits: limits)
            require(other == whole, "the same result however the input is split",
                    "limits: \(limits)\nwhole:        \(whole)\n\(split): \(other)\ncuts: \(split.cuts(input).prefix(20))\ninput: \(preview(input))")
        }
    }
    return 0
}
