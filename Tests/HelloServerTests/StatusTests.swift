import Foundation
import Glibc
import HelloServer
import LinuxIO
import TestSupport
import Testing

/// `/server-status` and `/metrics` (Docs/HTTP.md, Routes; README, Watching it work): both parse, their counters match a
/// known number of requests, `--status` decides whether they exist, and the connection and
/// pool numbers move while the server works.
@Suite(.timeLimit(.minutes(3)))
struct StatusTests {
    static let modes = ServerMode.allCases

    // MARK: Counters after known requests

    @Test(arguments: modes)
    func countersMatchKnownRequests(mode: ServerMode) throws {
        let server = try TestServer(mode) { $0.status = .on }
        defer { server.stop() }
        var bodyBytes = 0
        for _ in 0..<7 {
            let response = try server.exchange(Self.request("/"))
            #expect(response.status == 200)
            bodyBytes += response.body.count
        }
        for _ in 0..<3 {
            let response = try server.exchange(Self.request("/missing"))
            #expect(response.status == 404)
            bodyBytes += response.body.count
        }
        let known = 10

        // The pool counts a response once it is sent, so the latest one may lag a moment:
        // poll until every earlier response (the status fetches included) is counted.
        var fetches = 0
        var metrics: PrometheusText?
        var bytesCounted = 0  // body bytes of every response before the settled fetch
        let settled = try Self.poll {
            let response = try server.exchange(Self.request("/metrics"))
            #expect(response.status == 200)
            #expect(response.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true, "\(response)")
            let parsed = try PrometheusText(parsing: response.bodyText)
            defer {
                fetches += 1
                bodyBytes += response.body.count
            }
            let requests = parsed.value("hello_requests_total") ?? -1
            #expect(requests <= Double(known + fetches), "more requests counted than were made")
            guard requests == Double(known + fetches) else { return false }
            metrics = parsed
            bytesCounted = bodyBytes
            return true
        }
        #expect(settled, "hello_requests_total never reached the \(known) requests plus the earlier status fetches")
        if let metrics {
            let before = fetches - 1  // the status fetches this exposition counts
            #expect(metrics.value("hello_requests_total") == Double(known + before))
            #expect(metrics.value("hello_responses_total", ["class": "2xx"]) == Double(7 + before))
            #expect(metrics.value("hello_responses_total", ["class": "4xx"]) == 3)
            for other in ["1xx", "3xx", "5xx"] { #expect(metrics.value("hello_responses_total", ["class": other]) == 0) }
            #expect(metrics.value("hello_sent_body_bytes_total") == Double(bytesCounted))
            #expect(metrics.value("hello_accepted_connections_total") == Double(known + before + 1), "this connection included")
            for kind in ["request", "unused", "idle", "write"] { #expect(metrics.value("hello_timeouts_total", ["kind": kind]) == 0) }
            #expect((metrics.value("hello_uptime_seconds") ?? 0) > 0)
            Self.checkShape(metrics, mode: mode)
        }

        // The text page tells the same story.
        let settledText = try Self.poll {
            let response = try server.exchange(Self.request("/server-status"))
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "text/plain; charset=utf-8")
            let text = response.bodyText
            defer {
                fetches += 1
                bodyBytes += response.body.count
            }
            let expected = "requests: \(known + fetches) (1xx 0, 2xx \(7 + fetches), 3xx 0, 4xx 3, 5xx 0); body bytes sent: \(bodyBytes)"
            guard text.contains(expected) else { return false }
            #expect(text.hasPrefix("hello-server status\nmode: \(mode.rawValue), uptime: "), "\(text)")
            #expect(text.contains("accepted: \(known + fetches + 1) connections; accept paused 0 times"), "\(text)")
            #expect(text.contains("timeouts: 0 request (408), 0 unused connection, 0 idle keep-alive, 0 write"), "\(text)")
            if mode == .blocking {
                #expect(text.contains("workers: 1 (the accept loop's own thread)"), "\(text)")
            } else {
                #expect(text.contains(" idle; queue: "), "\(text)")
            }
            #expect(text.contains("connections: ") == (mode == .epoll), "\(text)")
            return true
        }
        #expect(settledText, "/server-status never showed the expected counts")
    }

    /// The body bytes counter matches what the clients received: nothing for HEAD, the
    /// error pages included.
    @Test(arguments: modes)
    func bodyBytesMatch(mode: ServerMode) throws {
        let server = try TestServer(mode) { $0.status = .on }
        defer { server.stop() }
        var received = 0
        for path in ["/", "/missing", "/x/y"] { received += try server.exchange(Self.request(path)).body.count }
        let head = try server.exchange(Self.request("/", method: "HEAD"))
        #expect(head.status == 200 && head.body.isEmpty)
        let post = try server.exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        #expect(post.status == 405 && !post.body.isEmpty)
        received += post.body.count
        let fetches = try Self.settle(server, requests: 5)
        for fetch in fetches.dropLast() { received += fetch.body.count }
        let counted = try PrometheusText(parsing: fetches.last?.bodyText ?? "").value("hello_sent_body_bytes_total")
        #expect(counted == Double(received))
    }

    // MARK: --status

    struct StatusCase: Sendable, CustomTestStringConvertible {
        let setting: StatusSetting
        let host: String
        let served: Bool
        var testDescription: String { "--status \(setting.rawValue) --host \(host)" }
    }

    @Test(arguments: [
        StatusCase(setting: .auto, host: "127.0.0.1", served: true),
        StatusCase(setting: .auto, host: "::1", served: true),
        StatusCase(setting: .auto, host: "0.0.0.0", served: false),
        StatusCase(setting: .on, host: "127.0.0.1", served: true),
        StatusCase(setting: .on, host: "0.0.0.0", served: true),
        StatusCase(setting: .off, host: "127.0.0.1", served: false),
        StatusCase(setting: .off, host: "0.0.0.0", served: false),
    ])
    func statusSettingDecidesWhetherPagesExist(_ status: StatusCase) throws {
        let server = try TestServer(.epoll) {
            $0.status = status.setting
            $0.host = status.host
        }
        defer { server.stop() }
        let connectHost = status.host == "::1" ? "::1" : "127.0.0.1"
        for path in ["/server-status", "/metrics"] {
            let client = try TestClient(port: server.port, host: connectHost, timeout: 10)
            try client.send(Self.request(path))
            let response = try client.readResponse()
            if status.served {
                #expect(response.status == 200, "\(path): \(response)")
                if path == "/metrics" { #expect(throws: Never.self) { try PrometheusText(parsing: response.bodyText) } }
            } else {
                #expect(response.status == 404, "\(path) is an ordinary path: \(response)")
                #expect(response.bodyText.contains("Oops!"))
            }
        }
    }

    /// The same through the command line: the default is auto (on for 127.0.0.1), `off` hides.
    @Test(arguments: [([String](), true), (["--status", "off"], false), (["--status", "on"], true)])
    func statusOptionOnTheCommandLine(arguments: [String], served: Bool) throws {
        let server = try ServerProcess.start(arguments)
        let status = try server.get("/server-status")
        let metrics = try server.get("/metrics")
        #expect(status.status == (served ? 200 : 404))
        #expect(metrics.status == (served ? 200 : 404))
        if served {
            #expect(status.bodyText.hasPrefix("hello-server status\n"))
            #expect(throws: Never.self) { try PrometheusText(parsing: metrics.bodyText) }
        }
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 10) == .exited(0))
    }

    // MARK: Gauges and histograms

    /// A connection that has sent nothing is "unused", not "reading a request", until its first byte.
    @Test func unusedConnectionsAreCountedApart() throws {
        let server = try TestServer(.epoll) {
            $0.status = .on
            $0.headerTimeout = 30
        }
        defer { server.stop() }
        let client = try server.connect()
        func states() throws -> (unused: Double, reading: Double) {
            let metrics = try PrometheusText(parsing: server.exchange(Self.request("/metrics")).bodyText)
            return (metrics.value("hello_connections", ["state": "unused"]) ?? -1, metrics.value("hello_connections", ["state": "reading"]) ?? -1)
        }
        var seen: [(Double, Double)] = []
        #expect(try Self.poll {
            let now = try states()
            seen.append(now)
            return now == (1, 0)
        }, "(unused, reading) went \(seen), never (1, 0)")
        #expect(try Self.poll { try server.exchange(Self.request("/server-status")).bodyText.contains(", 1 unused (nothing sent yet)") })
        try client.send("G")
        seen = []
        #expect(try Self.poll {
            let now = try states()
            seen.append(now)
            return now == (0, 1)
        }, "after a byte (unused, reading) went \(seen), never (0, 1)")
    }

    @Test func idleKeepAliveConnectionsAreCounted() throws {
        let server = try TestServer(.epoll) {
            $0.status = .on
            $0.keepAliveTimeout = 60
        }
        defer { server.stop() }
        var clients: [TestClient] = []
        for _ in 0..<3 {
            let client = try server.connect()
            try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try client.readResponse(untilClose: false).status == 200)
            clients.append(client)
        }
        var seen: [Double] = []
        let idle = try Self.poll {
            let metrics = try PrometheusText(parsing: server.exchange(Self.request("/metrics")).bodyText)
            let value = metrics.value("hello_connections", ["state": "idle"]) ?? -1
            seen.append(value)
            return value == 3
        }
        #expect(idle, "hello_connections{state=\"idle\"} went \(seen), never 3")
        let text = try Self.poll { try server.exchange(Self.request("/server-status")).bodyText.contains(", 3 idle keep-alive, ") }
        #expect(text, "the status page shows the 3 idle connections")

        clients.removeAll()  // closed
        seen = []
        let closed = try Self.poll {
            let metrics = try PrometheusText(parsing: server.exchange(Self.request("/metrics")).bodyText)
            let value = metrics.value("hello_connections", ["state": "idle"]) ?? -1
            seen.append(value)
            return value == 0
        }
        #expect(closed, "idle connections went \(seen) after the clients closed, never 0")
    }

    @Test(arguments: [ServerMode.epoll, .pool])
    func queueWaitHistogramGrowsWithRequests(mode: ServerMode) throws {
        let server = try TestServer(mode) { $0.status = .on }
        defer { server.stop() }
        let first = try PrometheusText(parsing: server.exchange(Self.request("/metrics")).bodyText)
        for _ in 0..<5 { #expect(try server.exchange(Self.request("/")).status == 200) }
        let second = try PrometheusText(parsing: server.exchange(Self.request("/metrics")).bodyText)
        let queued = (first.value("hello_job_queue_wait_seconds_count") ?? -100, second.value("hello_job_queue_wait_seconds_count") ?? -100)
        // Each job is counted as a worker takes it, before the response: the 5 requests and
        // the second fetch.
        #expect(queued.1 - queued.0 == 6, "hello_job_queue_wait_seconds_count went from \(queued.0) to \(queued.1)")
        #expect(queued.0 >= 1)
        let worked = (first.value("hello_job_worker_seconds_count") ?? -100, second.value("hello_job_worker_seconds_count") ?? -100)
        #expect((5...6).contains(worked.1 - worked.0), "hello_job_worker_seconds_count went from \(worked.0) to \(worked.1)")
        #expect((second.value("hello_job_worker_seconds_sum") ?? 0) > 0)
        #expect((second.value("hello_job_queue_wait_seconds_sum") ?? -1) >= (first.value("hello_job_queue_wait_seconds_sum") ?? 0))
        #expect(second.value("hello_workers", ["state": "busy"]).map { $0 >= 1 && $0 <= 4 } == true, "the fetch itself is in a worker")
        #expect(second.value("hello_queue_depth") == 0)
    }

    @Test func blockingModeHasNoPoolNumbers() throws {
        let server = try TestServer(.blocking) { $0.status = .on }
        defer { server.stop() }
        for _ in 0..<3 { _ = try server.exchange(Self.request("/")) }
        let metrics = try PrometheusText(parsing: server.exchange(Self.request("/metrics")).bodyText)
        #expect(metrics.family("hello_workers") == nil)
        #expect(metrics.family("hello_connections") == nil)
        #expect(metrics.value("hello_job_queue_wait_seconds_count") == 0)
    }

    // MARK: The checker itself

    static let validExposition = """
        # HELP hello_requests_total Requests.
        # TYPE hello_requests_total counter
        hello_requests_total 3
        # HELP hello_connections Open connections.
        # TYPE hello_connections gauge
        hello_connections{state="idle"} 1
        hello_connections{state="read\\"ing\\\\"} 0.5
        # HELP hello_wait_seconds Wait.
        # TYPE hello_wait_seconds histogram
        hello_wait_seconds_bucket{le="0.1"} 1
        hello_wait_seconds_bucket{le="1"} 2
        hello_wait_seconds_bucket{le="+Inf"} 3
        hello_wait_seconds_sum 1.5e0
        hello_wait_seconds_count 3

        """

    @Test func checkerAcceptsAValidExposition() throws {
        let parsed = try PrometheusText(parsing: Self.validExposition)
        #expect(parsed.families.map(\.name) == ["hello_requests_total", "hello_connections", "hello_wait_seconds"])
        #expect(parsed.value("hello_requests_total") == 3)
        #expect(parsed.value("hello_connections", ["state": "read\"ing\\"]) == 0.5)
        #expect(parsed.value("hello_wait_seconds_bucket", ["le": "+Inf"]) == 3)
        #expect(parsed.value("hello_wait_seconds_sum") == 1.5)
    }

    /// A way to break the valid exposition: replace `find` (which it contains) with `replacement`.
    struct Breakage: Sendable, CustomTestStringConvertible {
        let name: String
        let find: String
        let replacement: String
        var testDescription: String { name }
    }

    static let end = "hello_wait_seconds_count 3\n"

    @Test(arguments: [
        Breakage(name: "no final newline", find: end, replacement: "hello_wait_seconds_count 3"),
        Breakage(name: "blank line", find: "hello_requests_total 3\n", replacement: "hello_requests_total 3\n\n"),
        Breakage(name: "other comment", find: "# HELP hello_requests_total", replacement: "# hello\n# HELP hello_requests_total"),
        Breakage(name: "unknown type", find: "hello_connections gauge", replacement: "hello_connections summary"),
        Breakage(name: "counter without _total", find: "hello_requests_total", replacement: "hello_requests"),
        Breakage(name: "name without prefix", find: "hello_connections", replacement: "connections"),
        Breakage(name: "sample of another family", find: "hello_connections{state=\"idle\"}", replacement: "hello_other{state=\"idle\"}"),
        Breakage(name: "value not a float", find: "hello_requests_total 3", replacement: "hello_requests_total three"),
        Breakage(name: "unquoted label", find: "{state=\"idle\"}", replacement: "{state=idle}"),
        Breakage(name: "duplicate sample", find: "hello_requests_total 3\n", replacement: "hello_requests_total 3\nhello_requests_total 4\n"),
        Breakage(name: "missing TYPE", find: "# TYPE hello_connections gauge\n", replacement: ""),
        Breakage(name: "missing HELP", find: "# HELP hello_connections Open connections.\n", replacement: ""),
        Breakage(name: "TYPE after samples", find: end, replacement: end + "# TYPE hello_wait_seconds histogram\n"),
        Breakage(name: "family split", find: end, replacement: end + "# HELP hello_requests_total Again.\n"),
        Breakage(name: "buckets decreasing", find: "{le=\"1\"} 2", replacement: "{le=\"1\"} 0"),
        Breakage(name: "no +Inf bucket", find: "hello_wait_seconds_bucket{le=\"+Inf\"} 3\n", replacement: ""),
        Breakage(name: "+Inf differs from _count", find: end, replacement: "hello_wait_seconds_count 4\n"),
        Breakage(name: "bounds out of order", find: "{le=\"0.1\"} 1", replacement: "{le=\"5\"} 1"),
        Breakage(name: "no _sum", find: "hello_wait_seconds_sum 1.5e0\n", replacement: ""),
        Breakage(name: "bad histogram suffix", find: "hello_wait_seconds_sum", replacement: "hello_wait_seconds_total"),
        Breakage(name: "negative counter", find: "hello_requests_total 3", replacement: "hello_requests_total -3"),
    ])
    func checkerRejects(_ breakage: Breakage) {
        #expect(Self.validExposition.contains(breakage.find))
        let broken = Self.validExposition.replacingOccurrences(of: breakage.find, with: breakage.replacement)
        #expect(throws: PrometheusText.Violation.self, "\(breakage.name)") { try PrometheusText(parsing: broken) }
    }

    // MARK: Helpers

    /// A request that closes its connection, so status fetches never linger as idle ones.
    static func request(_ path: String, method: String = "GET") -> String {
        "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    }

    /// Runs `attempt` every 20 ms until it returns true, for at most `timeout` seconds.
    static func poll(timeout: Double = 5, _ attempt: () throws -> Bool) throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while true {
            if try attempt() { return true }
            if ContinuousClock.now >= deadline { return false }
            usleep(20_000)
        }
    }

    /// Fetches /metrics until it counts `requests` plus every earlier fetch; returns the fetches.
    static func settle(_ server: TestServer, requests: Int) throws -> [TestResponse] {
        var fetches: [TestResponse] = []
        let settled = try poll {
            let response = try server.exchange(request("/metrics"))
            fetches.append(response)
            return try PrometheusText(parsing: response.bodyText).value("hello_requests_total") == Double(requests + fetches.count - 1)
        }
        guard settled else { throw TestFailure("hello_requests_total never counted \(requests) requests") }
        return fetches
    }

    /// The families every mode has, and those only some modes have.
    static func checkShape(_ metrics: PrometheusText, mode: ServerMode) {
        let everywhere: [(String, PrometheusText.MetricType)] = [
            ("hello_uptime_seconds", .gauge), ("hello_requests_total", .counter), ("hello_responses_total", .counter),
            ("hello_sent_body_bytes_total", .counter), ("hello_accepted_connections_total", .counter),
            ("hello_accept_pauses_total", .counter), ("hello_timeouts_total", .counter),
            ("hello_job_queue_wait_seconds", .histogram), ("hello_job_worker_seconds", .histogram),
        ]
        for (name, type) in everywhere { #expect(metrics.family(name)?.type == type, "\(name) as a \(type)") }
        let epollOnly = ["hello_connections", "hello_reactor_loop_iterations_total", "hello_reactor_events_total"]
        for name in epollOnly { #expect((metrics.family(name) != nil) == (mode == .epoll), "\(name) in \(mode) mode") }
        for name in ["hello_workers", "hello_queue_depth", "hello_queue_oldest_age_seconds"] {
            #expect((metrics.family(name) != nil) == (mode != .blocking), "\(name) in \(mode) mode")
        }
        if mode == .epoll {
            let states = Set(metrics.family("hello_connections")?.samples.compactMap { $0.labels["state"] } ?? [])
            #expect(states == ["reading", "worker", "writing", "idle", "closing", "unused"])
        }
        if mode != .blocking {
            let busy = metrics.value("hello_workers", ["state": "busy"]) ?? -1
            let idle = metrics.value("hello_workers", ["state": "idle"]) ?? -1
            #expect(busy + idle == 4, "4 workers, busy or idle")
        }
    }

    /// Issue 13, item 6: the standard process metrics, read from /proc when scraped, agree with
    /// what the kernel says of the server process from outside.
    @Test("/metrics has process_* metrics that match the process: memory, descriptors, limit, CPU, start")
    func processMetricsMatchTheProcess() throws {
        let before = Date().timeIntervalSince1970
        let server = try ServerProcess.start(["--mode", "epoll"])
        let metrics = try PrometheusText(parsing: server.get("/metrics").bodyText)
        let resident = try #require(metrics.value("process_resident_memory_bytes"))
        let seen = Double(server.residentKiB * 1024)
        #expect(resident > 1_000_000 && abs(resident - seen) < seen / 2, "\(resident) bytes against \(seen) in /proc/PID/status")
        let open = try #require(metrics.value("process_open_fds"))
        #expect(abs(open - Double(server.openDescriptors)) <= 2, "\(open) against \(server.openDescriptors) in /proc/PID/fd")
        let limits = try String(contentsOfFile: "/proc/\(server.pid)/limits", encoding: .utf8)
        let soft = limits.split(separator: "\n").first { $0.hasPrefix("Max open files") }?.split(separator: " ", omittingEmptySubsequences: true)[3]
        #expect(metrics.value("process_max_fds") == soft.flatMap { Double($0) }, "limits: \(soft ?? "none")")
        let cpu = try #require(metrics.value("process_cpu_seconds_total"))
        #expect(cpu >= 0 && cpu <= server.cpuSeconds + 0.05, "\(cpu) s against \(server.cpuSeconds) s in /proc/PID/stat")
        let started = try #require(metrics.value("process_start_time_seconds"))
        // /proc/PID/stat counts in clock ticks (1/100 s) after a boot time in whole seconds.
        #expect(started >= before - 2 && started <= Date().timeIntervalSince1970 + 1, "started at \(started), test began \(before)")
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 10) == .exited(0))
    }
}
