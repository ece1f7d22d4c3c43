import LinuxIO
import Synchronization
import ThreadPool

/// A counter or gauge that any thread may update without a lock.
final class Counter: Sendable {
    private let value = Atomic<Int>(0)

    func add(_ amount: Int = 1) { value.add(amount, ordering: .relaxed) }
    func set(_ amount: Int) { value.store(amount, ordering: .relaxed) }
    var current: Int { value.load(ordering: .relaxed) }
}

/// A Prometheus-style histogram of durations: cumulative buckets, sum and count, all atomics.
///
/// Invariant: an observation adds exactly one to `count` and to the first bucket whose bound
/// is at least the value; cumulative counts are computed when read.
final class DurationHistogram: Sendable {
    /// Upper bounds in seconds (Prometheus' default buckets, with a finer low end for this
    /// sub-millisecond server).
    static let bounds: [Double] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private let buckets = DurationHistogram.bounds.map { _ in Counter() }
    private let overflow = Counter()
    private let sumNanoseconds = Counter()
    private let total = Counter()

    /// Counts the time from `start` to `end`.
    func observe(from start: Instant, to end: Instant) {
        // Whole nanoseconds straight from the instants: a `Duration` costs 128-bit arithmetic.
        let nanoseconds = end.nanoseconds > start.nanoseconds ? end.nanoseconds - start.nanoseconds : 0
        let seconds = Double(nanoseconds) / 1e9
        if let index = Self.bounds.firstIndex(where: { seconds <= $0 }) { buckets[index].add() } else { overflow.add() }
        sumNanoseconds.add(Int(clamping: nanoseconds))
        total.add()
    }

    /// (upper bound, cumulative count) for each bucket, then +Inf.
    var cumulative: [(bound: Double?, count: Int)] {
        var running = 0
        var result: [(Double?, Int)] = []
        for (bound, bucket) in zip(Self.bounds, buckets) {
            running += bucket.current
            result.append((bound, running))
        }
        result.append((nil, running + overflow.current))
        return result
    }

    var count: Int { total.current }
    var sumSeconds: Double { Double(sumNanoseconds.current) / 1e9 }
}

/// Where a connection stands, as the status page counts them.
enum ConnectionCategory: Int, CaseIterable {
    /// `unused`: accepted, not a byte yet (a browser's spare preconnected socket, say).
    case readingRequest, queuedOrInWorker, writing, idle, closing, unused
}

/// The numbers behind `/server-status` and `/metrics`, updated as the server works.
///
/// Invariant: every field is an atomic or is immutable, so any thread may update or read it
/// without a lock; the reactor publishes its connection gauges once per loop iteration.
final class ServerStats: Sendable {
    let started = Instant.now
    let accepted = Counter()
    let requests = Counter()
    let bodyBytesSent = Counter()
    /// Responses by status class: index 0 for 1xx ... 4 for 5xx.
    let responsesByClass = (0..<5).map { _ in Counter() }
    let loopIterations = Counter()
    let events = Counter()
    let acceptPausesAtLimit = Counter()
    let acceptPausesOutOfDescriptors = Counter()
    let headTimeouts = Counter()
    /// New connections closed silently after `--header-timeout` without having sent a byte.
    let unusedTimeouts = Counter()
    let idleTimeouts = Counter()
    let writeTimeouts = Counter()
    let connections = ConnectionCategory.allCases.map { _ in Counter() }
    let queueWait = DurationHistogram()
    let workerTime = DurationHistogram()
    let pool = Locked<ThreadPool?>(nil)

    /// A response went out: `bodyBytes` is what it carried after the head.
    func recordResponse(status: Int, bodyBytes: Int) {
        requests.add()
        bodyBytesSent.add(bodyBytes)
        responsesByClass[min(4, max(0, status / 100 - 1))].add()
    }

    /// Workers busy, queue depth and the oldest queued job's age, if a pool runs.
    var poolSnapshot: (size: Int, busy: Int, queued: Int, oldestSeconds: Double)? {
        pool.withLock { pool in
            guard let pool else { return nil }
            let age = pool.oldestQueuedJobAge?.inSeconds ?? 0
            return (pool.size, pool.busyWorkers, pool.queuedJobs, age)
        }
    }
}
