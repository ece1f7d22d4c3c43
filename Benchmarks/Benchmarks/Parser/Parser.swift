// The HTTP1 request stream (parser and body decoder, as every mode drives them): bytes in,
// events out, no I/O.
// Per request (scalingFactor .kilo: the starred figures are per request): instructions,
// heap allocations and throughput, for a browser-like GET and for a pipelined batch of 16.
import Benchmark
import HTTP1

/// A GET as a browser sends it: 11 header fields, 505 bytes.
let browserGET = Array("""
    GET /index.html?utm=1 HTTP/1.1\r
    Host: 127.0.0.1:7878\r
    User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r
    Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r
    Accept-Language: en-US,en;q=0.5\r
    Accept-Encoding: gzip, deflate, br, zstd\r
    Connection: keep-alive\r
    Upgrade-Insecure-Requests: 1\r
    Sec-Fetch-Dest: document\r
    Sec-Fetch-Mode: navigate\r
    Sec-Fetch-Site: none\r
    Priority: u=0, i\r
    \r

    """.utf8)

/// What wrk sends: the smallest keep-alive GET.
let wrkGET = Array("GET / HTTP/1.1\r\nHost: 127.0.0.1:7878\r\n\r\n".utf8)

/// 16 of wrk's requests back to back, as one read of a pipelining client delivers them.
let pipelined16 = Array(repeating: wrkGET, count: 16).flatMap { $0 }

/// A POST with a chunked body, to time the body decoder between heads.
let chunkedPOST = Array("""
    POST /upload HTTP/1.1\r
    Host: 127.0.0.1\r
    Transfer-Encoding: chunked\r
    \r
    10\r
    0123456789abcdef\r
    5;ext=1\r
    hello\r
    0\r
    \r

    """.utf8)

/// Every request in `bytes` (heads and bodies), as one read of a connection delivers them,
/// through the server's `RequestStream`. Returns the number of requests, so the optimiser
/// cannot drop the work.
@inline(never)
func parseAll(_ bytes: [UInt8], stream: inout RequestStream, events: inout [RequestStream.Event]) -> Int {
    events.removeAll(keepingCapacity: true)
    stream.receive(bytes.span, into: &events)
    guard events.count > 0, stream.position == .betweenRequests else { fatalError("the benchmark's requests are complete and valid") }
    blackHole(events.last)
    return events.count
}

let perRequest: [BenchmarkMetric] = [.instructions, .mallocCountTotal, .throughput, .wallClock]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration.maxDuration = .seconds(2)
    Benchmark.defaultConfiguration.maxIterations = 1_000

    for (name, bytes) in [("browser GET (11 headers)", browserGET), ("wrk GET", wrkGET), ("chunked POST", chunkedPOST)] {
        Benchmark("Parser: \(name)", configuration: .init(metrics: perRequest, scalingFactor: .kilo)) { benchmark in
            var stream = RequestStream(limits: ParserLimits())
            var events: [RequestStream.Event] = []
            for _ in benchmark.scaledIterations {
                blackHole(parseAll(bytes, stream: &stream, events: &events))
            }
        }
    }

    // One scaled iteration is one batch of 16 requests: divide by 16 for per-request figures.
    Benchmark("Parser: pipelined batch of 16 wrk GETs", configuration: .init(metrics: perRequest, scalingFactor: .kilo)) { benchmark in
        var stream = RequestStream(limits: ParserLimits())
        var events: [RequestStream.Event] = []
        for _ in benchmark.scaledIterations {
            blackHole(parseAll(pipelined16, stream: &stream, events: &events))
        }
    }

    // The head one byte per read: the incremental path a slow client takes (506 reads).
    Benchmark("Parser: browser GET one byte at a time", configuration: .init(metrics: perRequest)) { benchmark in
        var events: [RequestStream.Event] = []
        for _ in 0..<100 {
            var stream = RequestStream(limits: ParserLimits())
            events.removeAll(keepingCapacity: true)
            for index in browserGET.indices {
                stream.receive(browserGET.span.extracting(index..<index + 1), into: &events)
            }
            precondition(events.count == 1)
        }
    }
}
