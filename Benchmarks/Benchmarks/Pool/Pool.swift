// The ThreadPool hand-off: jobs per second through `ThreadPool.execute`, the allocations a
// job costs, and how long an idle worker takes to wake up and start a job.
import Benchmark
import Glibc
import Synchronization
import ThreadPool

/// Counts finished jobs and posts a semaphore when the expected number is reached.
final class Finish: @unchecked Sendable {
    // `semaphore` is a POSIX semaphore, itself thread-safe; `done` is atomic.
    let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
    let done = Atomic<Int>(0)
    let target = Atomic<Int>(0)
    /// When the last job began (monotonic nanoseconds), for the wake-up benchmark.
    let started = Atomic<Int>(0)

    init() { sem_init(semaphore, 0, 0) }

    func expect(_ count: Int) {
        done.store(0, ordering: .relaxed)
        target.store(count, ordering: .releasing)
    }

    func jobFinished() {
        if done.add(1, ordering: .acquiringAndReleasing).newValue == target.load(ordering: .acquiring) { sem_post(semaphore) }
    }

    func wait() { while sem_wait(semaphore) != 0 {} }

    deinit {
        sem_destroy(semaphore)
        semaphore.deallocate()
    }
}

/// A second captured reference, as the reactor's job captures a connection and a context.
final class Context: Sendable {}

func monotonicNanoseconds() -> Int {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return now.tv_sec * 1_000_000_000 + now.tv_nsec
}

/// The pool and the signal of the running benchmark (one runs at a time).
nonisolated(unsafe) var pool: ThreadPool?
let finish = Finish()
let context = Context()

let wakeUp = BenchmarkMetric.custom("wake-up latency (ns)", polarity: .prefersSmaller, useScalingFactor: false)

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration.maxDuration = .seconds(2)
    Benchmark.defaultConfiguration.maxIterations = 10_000

    for workers in [1, 4] {
        // One scaled iteration: 1,000 jobs queued back to back, then wait for all of them.
        Benchmark(
            "ThreadPool: 1,000 jobs capturing nothing, \(workers) worker(s)",
            configuration: .init(metrics: [.throughput, .wallClock, .mallocCountTotal, .instructions, .contextSwitches], scalingFactor: .kilo),
            closure: { benchmark in
                let pool = pool!
                finish.expect(benchmark.scaledIterations.count)
                for _ in benchmark.scaledIterations {
                    try! pool.execute { finish.jobFinished() }
                }
                finish.wait()
            },
            setup: { pool = try ThreadPool(size: workers, name: "bench") },
            teardown: { pool?.shutdown(); pool = nil })

        // The reactor's job shape: a closure capturing two references (connection, context).
        Benchmark(
            "ThreadPool: 1,000 jobs capturing two references, \(workers) worker(s)",
            configuration: .init(metrics: [.throughput, .wallClock, .mallocCountTotal, .instructions], scalingFactor: .kilo),
            closure: { benchmark in
                let pool = pool!
                let finisher = finish, shared = context
                finish.expect(benchmark.scaledIterations.count)
                for _ in benchmark.scaledIterations {
                    try! pool.execute {
                        blackHole(shared)
                        finisher.jobFinished()
                    }
                }
                finish.wait()
            },
            setup: { pool = try ThreadPool(size: workers, name: "bench") },
            teardown: { pool?.shutdown(); pool = nil })
    }

    // One job into an idle pool: the time from execute() to the job's first instruction
    // (a futex wake-up), and the whole round trip back to the submitter (wallClock).
    Benchmark(
        "ThreadPool: wake-up of an idle worker (4 workers)",
        configuration: .init(metrics: [.wallClock, wakeUp, .mallocCountTotal], maxIterations: 20_000),
        closure: { benchmark in
            let pool = pool!
            finish.expect(1)
            let submitted = monotonicNanoseconds()
            try! pool.execute {
                finish.started.store(monotonicNanoseconds(), ordering: .relaxed)
                finish.jobFinished()
            }
            finish.wait()
            benchmark.measurement(wakeUp, finish.started.load(ordering: .relaxed) - submitted)
        },
        setup: { pool = try ThreadPool(size: 4, name: "bench") },
        teardown: { pool?.shutdown(); pool = nil })
}
