// Response serialization: `PreparedResponse.encodeHead` and the body appended into one
// reused output buffer, as a worker does for each response of a job.
import Benchmark
import HTTP1

let page = PreparedResponse(
    status: .ok, contentType: "text/html; charset=utf-8",
    body: Array(repeating: UInt8(ascii: "x"), count: 150))
let dateLine = Array("Date: Sun, 22 Nov 2026 10:00:00 GMT\r\n".utf8)
let connectionLines = ConnectionHeaderLines(keepAliveTimeout: 5)

let perResponse: [BenchmarkMetric] = [.instructions, .mallocCountTotal, .throughput, .wallClock]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration.maxDuration = .seconds(2)
    Benchmark.defaultConfiguration.maxIterations = 1_000

    for (name, directive) in [("keep-alive (HTTP/1.1)", ConnectionDirective.persistent), ("Connection: close", .close), ("Connection: keep-alive (HTTP/1.0)", .keepAlive)] {
        Benchmark("Response: head + body, \(name)", configuration: .init(metrics: perResponse, scalingFactor: .kilo)) { benchmark in
            var output: [UInt8] = []
            output.reserveCapacity(4096)
            for _ in benchmark.scaledIterations {
                output.removeAll(keepingCapacity: true)
                page.encodeHead(into: &output, dateLine: dateLine, connection: directive, lines: connectionLines)
                output.append(contentsOf: page.body)
                blackHole(output.count)
            }
        }
    }

    // 16 responses appended to one buffer, as a pipelined job does (divide by 16).
    Benchmark("Response: batch of 16 keep-alive responses", configuration: .init(metrics: perResponse, scalingFactor: .kilo)) { benchmark in
        var output: [UInt8] = []
        output.reserveCapacity(16 * 512)
        for _ in benchmark.scaledIterations {
            output.removeAll(keepingCapacity: true)
            for _ in 0..<16 {
                page.encodeHead(into: &output, dateLine: dateLine, connection: .persistent, lines: connectionLines)
                output.append(contentsOf: page.body)
            }
            blackHole(output.count)
        }
    }
}
