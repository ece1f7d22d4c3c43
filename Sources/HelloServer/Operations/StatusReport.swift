import HTTP1
import LinuxIO

/// The `/server-status` page (plain text, in the spirit of nginx's stub_status and Apache's
/// scoreboard, for this design) and the `/metrics` page (Prometheus text format 0.0.4).
///
/// Invariant: both render the same `ServerStats` snapshot; counters end in `_total`, values
/// are in base units (seconds, bytes), every metric name starts with `hello_` but the standard
/// `process_*` ones that every Prometheus client library exports (read from /proc when scraped).
struct StatusReport {
    let stats: ServerStats
    let configuration: Configuration

    private var uptime: Double { Instant.now.duration(since: stats.started).inSeconds }

    /// The plain-text status page.
    func text() -> String {
        var lines = ["hello-server status", "mode: \(configuration.mode.rawValue), uptime: \(format(uptime)) s"]
        let states = ConnectionCategory.allCases.map { stats.connections[$0.rawValue].current }
        if configuration.mode == .epoll {
            lines.append("connections: \(states.reduce(0, +)) open: \(states[0]) reading a request, "
                + "\(states[1]) queued for or in a worker, \(states[2]) writing, \(states[3]) idle keep-alive, \(states[4]) closing, "
                + "\(states[5]) unused (nothing sent yet)")
        }
        if let pool = stats.poolSnapshot {
            lines.append("workers: \(pool.busy) busy, \(pool.size - pool.busy) idle; "
                + "queue: \(pool.queued) waiting, oldest \(format(pool.oldestSeconds)) s")
        } else {
            lines.append("workers: 1 (the accept loop's own thread)")
        }
        let classes = stats.responsesByClass.map(\.current)
        lines.append("requests: \(stats.requests.current) (1xx \(classes[0]), 2xx \(classes[1]), 3xx \(classes[2]), "
            + "4xx \(classes[3]), 5xx \(classes[4])); body bytes sent: \(stats.bodyBytesSent.current)")
        lines.append("accepted: \(stats.accepted.current) connections; accept paused \(stats.acceptPausesAtLimit.current) times "
            + "at --max-connections, \(stats.acceptPausesOutOfDescriptors.current) times out of descriptors")
        if configuration.mode == .epoll {
            let iterations = stats.loopIterations.current
            let perWake = iterations == 0 ? 0 : Double(stats.events.current) / Double(iterations)
            lines.append("reactor: \(iterations) loop iterations, \(format(perWake)) events per wake-up")
        }
        lines.append("timeouts: \(stats.headTimeouts.current) request (408), \(stats.unusedTimeouts.current) unused connection, "
            + "\(stats.idleTimeouts.current) idle keep-alive, \(stats.writeTimeouts.current) write")
        lines.append("jobs (a connection's complete requests, handed over together): time queued for a worker: "
            + "\(histogramSummary(stats.queueWait)); time in a worker: \(histogramSummary(stats.workerTime))")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The Prometheus exposition.
    func prometheus() -> String {
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            family("hello_" + name, type, help, samples, into: &out)
        }
        func single(_ value: Int) -> [(labels: String, value: String)] { [("", String(value))] }
        metric("uptime_seconds", "gauge", "Seconds since the server started.", [("", format(uptime))])
        metric("requests_total", "counter", "Requests answered.", single(stats.requests.current))
        metric("responses_total", "counter", "Responses by status class.",
               stats.responsesByClass.enumerated().map { ("{class=\"\($0.offset + 1)xx\"}", String($0.element.current)) })
        metric("sent_body_bytes_total", "counter", "Response body bytes sent.", single(stats.bodyBytesSent.current))
        metric("accepted_connections_total", "counter", "Connections accepted.", single(stats.accepted.current))
        metric("accept_pauses_total", "counter", "Times accepting paused.", [
            ("{reason=\"max_connections\"}", String(stats.acceptPausesAtLimit.current)),
            ("{reason=\"descriptors\"}", String(stats.acceptPausesOutOfDescriptors.current)),
        ])
        metric("timeouts_total", "counter", "Deadlines that fired.", [
            ("{kind=\"request\"}", String(stats.headTimeouts.current)),
            ("{kind=\"unused\"}", String(stats.unusedTimeouts.current)),
            ("{kind=\"idle\"}", String(stats.idleTimeouts.current)),
            ("{kind=\"write\"}", String(stats.writeTimeouts.current)),
        ])
        if configuration.mode == .epoll {
            let names = ["reading", "worker", "writing", "idle", "closing", "unused"]
            metric("connections", "gauge", "Open connections by state.",
                   ConnectionCategory.allCases.map { ("{state=\"\(names[$0.rawValue])\"}", String(stats.connections[$0.rawValue].current)) })
            metric("reactor_loop_iterations_total", "counter", "Reactor wake-ups.", single(stats.loopIterations.current))
            metric("reactor_events_total", "counter", "Epoll events handled.", single(stats.events.current))
        }
        if let pool = stats.poolSnapshot {
            metric("workers", "gauge", "Worker threads by state.", [("{state=\"busy\"}", String(pool.busy)), ("{state=\"idle\"}", String(pool.size - pool.busy))])
            metric("queue_depth", "gauge", "Jobs waiting for a worker.", single(pool.queued))
            metric("queue_oldest_age_seconds", "gauge", "Age of the oldest job waiting for a worker.", [("", format(pool.oldestSeconds))])
        }
        // A job is what one hand-off gives a worker: in epoll mode all the complete requests a
        // connection had (a pipelined batch is one job), in pool mode one connection.
        histogram("job_queue_wait_seconds", "Time a job (one connection's complete requests, handed over together) waited for a worker.",
                  stats.queueWait, into: &out)
        histogram("job_worker_seconds", "Time a worker spent on a job (one connection's complete requests).", stats.workerTime, into: &out)
        out += processMetrics()
        return out
    }

    /// The standard process metrics, named and typed as Prometheus's client libraries export
    /// them; one the kernel does not give is left out.
    func processMetrics() -> String {
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ value: String?) {
            guard let value else { return }
            family("process_" + name, type, help, [("", value)], into: &out)
        }
        metric("cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", format(ProcessUsage.cpuSeconds))
        metric("open_fds", "gauge", "Number of open file descriptors.", ProcessUsage.openDescriptors.map(String.init))
        metric("max_fds", "gauge", "Maximum number of open file descriptors.", ProcessUsage.maxDescriptors.map(String.init))
        metric("resident_memory_bytes", "gauge", "Resident memory size in bytes.", ProcessUsage.residentBytes.map(String.init))
        metric("start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.",
               ProcessUsage.startTimeSeconds.map(format))
        return out
    }

    /// One metric family: its HELP and TYPE lines, then its samples.
    private func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)], into out: inout String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        for sample in samples { out += "\(name)\(sample.labels) \(sample.value)\n" }
    }

    private func histogram(_ name: String, _ help: String, _ histogram: DurationHistogram, into out: inout String) {
        out += "# HELP hello_\(name) \(help)\n# TYPE hello_\(name) histogram\n"
        for (bound, count) in histogram.cumulative {
            out += "hello_\(name)_bucket{le=\"\(bound.map(format) ?? "+Inf")\"} \(count)\n"
        }
        out += "hello_\(name)_sum \(format(histogram.sumSeconds))\nhello_\(name)_count \(histogram.count)\n"
    }

    private func histogramSummary(_ histogram: DurationHistogram) -> String {
        let count = histogram.count
        return count == 0 ? "no samples" : "mean \(format(histogram.sumSeconds / Double(count))) s over \(count)"
    }

    /// A decimal without exponent, at most 6 places, trailing zeros dropped.
    private func format(_ value: Double) -> String {
        let micro = Int((value * 1_000_000).rounded())
        let whole = micro / 1_000_000
        var fraction = String(micro % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? String(whole) : "\(whole).\(fraction)"
    }
}
