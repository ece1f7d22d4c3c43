// Runs one operation N times, for counting instructions under callgrind (the `instructions`
// metric of package-benchmark needs hardware counters, which some VMs lack).
// `Benchmarks/instructions.sh` runs it twice per operation with different N and divides the
// difference, so start-up cost cancels out exactly.
//
//   Instructions OPERATION COUNT
import Glibc
import HTTP1

let wrkGET = Array("GET / HTTP/1.1\r\nHost: 127.0.0.1:7878\r\n\r\n".utf8)
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
let pipelined16 = Array(repeating: wrkGET, count: 16).flatMap { $0 }
let page = PreparedResponse(
    status: .ok, contentType: "text/html; charset=utf-8",
    body: Array(repeating: UInt8(ascii: "x"), count: 150))
let dateLine = Array("Date: Sun, 22 Nov 2026 10:00:00 GMT\r\n".utf8)
let connectionLines = ConnectionHeaderLines(keepAliveTimeout: 5)

/// Every request in `bytes`, as one read of a connection delivers them, through the server's
/// `RequestStream`; returns the number of requests, so the optimiser cannot drop the work.
@inline(never)
func parseAll(_ bytes: [UInt8], stream: inout RequestStream, events: inout [RequestStream.Event]) -> Int {
    events.removeAll(keepingCapacity: true)
    stream.receive(bytes.span, into: &events)
    guard events.count > 0, stream.position == .betweenRequests else { fatalError("bad input") }
    return events.count
}

@inline(never)
func sink(_ value: Int) {
    if value == -1 { print(value) }
}

let arguments = CommandLine.arguments
guard arguments.count == 3, let count = Int(arguments[2]) else {
    print("usage: Instructions parse-wrk|parse-browser|parse-pipelined16|encode-response COUNT")
    exit(64)
}
var stream = RequestStream(limits: ParserLimits())
var events: [RequestStream.Event] = []
var output: [UInt8] = []
output.reserveCapacity(16 * 1024)
switch arguments[1] {
case "parse-wrk":
    for _ in 0..<count { sink(parseAll(wrkGET, stream: &stream, events: &events)) }
case "parse-browser":
    for _ in 0..<count { sink(parseAll(browserGET, stream: &stream, events: &events)) }
case "parse-pipelined16":
    for _ in 0..<count { sink(parseAll(pipelined16, stream: &stream, events: &events)) }
case "encode-response":
    for _ in 0..<count {
        output.removeAll(keepingCapacity: true)
        page.encodeHead(into: &output, dateLine: dateLine, connection: .persistent, lines: connectionLines)
        output.append(contentsOf: page.body)
        sink(output.count)
    }
default:
    print("unknown operation \(arguments[1])")
    exit(64)
}
