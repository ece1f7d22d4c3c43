// In-process round trips over loopback: the real server of each mode on its own thread,
// a blocking client on the benchmark's thread. `mallocCountTotal` counts the whole process,
// so the keep-alive figure is the server's allocations per request (the client makes none).
import Benchmark
import Glibc
import HelloServer
import Logging
import ThreadPool

/// One server of one mode, serving on its own thread.
final class Harness: @unchecked Sendable {
    // Set in init, never changed; `server` is Sendable, the thread only joined.
    let server: any Server
    let thread: JoinableThread
    let port: UInt16

    init(mode: ServerMode) throws {
        var configuration = Configuration()
        configuration.port = 0
        configuration.mode = mode
        configuration.keepAliveTimeout = 60
        configuration.maxConnections = 1_000
        server = try Servers.make(configuration, logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
        port = server.address.port
        thread = try JoinableThread(name: "server") { [server] in
            do { try server.run() } catch { fatalError("server: \(error)") }
        }
    }

    func stop() {
        server.shutdown()
        thread.join()
    }
}

/// Request bytes that live for the whole process (no allocation while sending).
struct Request: @unchecked Sendable {  // immutable bytes, never freed
    let bytes: UnsafeRawBufferPointer

    init(_ text: String) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: text.utf8.count, alignment: 1)
        buffer.copyBytes(from: text.utf8)
        bytes = UnsafeRawBufferPointer(buffer)
    }
}

let keepAliveGET = Request("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
let closeGET = Request("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
let pipelinedGETs = Request(String(repeating: "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", count: 16))

/// The running benchmark's server and client (one benchmark runs at a time).
nonisolated(unsafe) var harness: Harness?
nonisolated(unsafe) var client: Client?
/// Bytes of one keep-alive response to `GET /` (the Date line has a fixed length).
nonisolated(unsafe) var responseLength = 0

func start(_ mode: ServerMode, keepAlive: Bool) throws {
    let started = try Harness(mode: mode)
    harness = started
    // Learn the response's length from one request the server answers and closes.
    let probe = Client(port: started.port)
    probe.send(closeGET.bytes)
    let closedLength = probe.receiveUntilClosed()
    precondition(probe.receivedText(closedLength).hasPrefix("HTTP/1.1 200 OK"), "GET / failed")
    responseLength = closedLength - "Connection: close\r\n".utf8.count
    // The client object and its buffer are made once: the loop allocates nothing itself.
    client = keepAlive ? Client(port: started.port) : probe
}

func stop() {
    client = nil
    harness?.stop()
    harness = nil
}

let perRequest: [BenchmarkMetric] = [.wallClock, .throughput, .mallocCountTotal, .instructions, .contextSwitches]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration.maxDuration = .seconds(3)
    Benchmark.defaultConfiguration.maxIterations = 1_000

    // Keep-alive: 1,000 requests per iteration (starred figures are per request).
    Benchmark(
        "RoundTrip: epoll, keep-alive GET /",
        configuration: .init(metrics: perRequest, warmupIterations: 5, scalingFactor: .kilo),
        closure: { benchmark in
            let client = client!
            for _ in benchmark.scaledIterations {
                client.send(keepAliveGET.bytes)
                client.receive(exactly: responseLength)
            }
        },
        setup: { try start(.epoll, keepAlive: true) },
        teardown: { stop() })

    // 16 pipelined requests in one write, their 16 responses read back (per batch).
    Benchmark(
        "RoundTrip: epoll, keep-alive, 16 pipelined GET / per write",
        configuration: .init(metrics: perRequest, warmupIterations: 5, scalingFactor: .kilo),
        closure: { benchmark in
            let client = client!
            for _ in benchmark.scaledIterations {
                client.send(pipelinedGETs.bytes)
                client.receive(exactly: 16 * responseLength)
            }
        },
        setup: { try start(.epoll, keepAlive: true) },
        teardown: { stop() })

    // A new connection per request: connect, GET with Connection: close, read to the end.
    // 1,000 connections per iteration, so the benchmark's own per-iteration allocations
    // vanish from the per-request figure.
    for mode in [ServerMode.epoll, .pool, .blocking] {
        Benchmark(
            "RoundTrip: \(mode.rawValue), new connection per GET /",
            configuration: .init(metrics: perRequest, warmupIterations: 1, scalingFactor: .kilo, maxIterations: 10),
            closure: { benchmark in
                let client = client!, port = harness!.port
                for _ in benchmark.scaledIterations {
                    client.reconnect(port: port)
                    client.send(closeGET.bytes)
                    client.receiveUntilClosed()
                }
            },
            setup: { try start(mode, keepAlive: false) },
            teardown: { stop() })
    }
}
