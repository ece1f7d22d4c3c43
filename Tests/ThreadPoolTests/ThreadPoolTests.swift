import Glibc
import LinuxIO
import TestSupport
import Testing
import ThreadPool

@Suite("ThreadPool", .timeLimit(.minutes(3)))
struct ThreadPoolTests {
    // MARK: Building

    @Test("a size below 1 is refused with invalidSize", arguments: [0, -1, -4, Int.min])
    func invalidSizeThrows(size: Int) {
        #expect(throws: ThreadPoolError.invalidSize(size)) {
            _ = try ThreadPool(size: size)
        }
    }

    @Test("the pool keeps its size and starts idle", arguments: [1, 2, 4, 8])
    func sizeAndIdleState(size: Int) throws {
        let pool = try ThreadPool(size: size)
        #expect(pool.size == size)
        #expect(pool.busyWorkers == 0)
        #expect(pool.queuedJobs == 0)
        pool.shutdown()
    }

    @Test("errors describe themselves")
    func errorDescriptions() {
        #expect(ThreadPoolError.invalidSize(0).description == "a thread pool needs at least 1 worker, got 0")
        #expect(ThreadPoolError.shutDown.description.contains("shutting down"))
        #expect(ThreadPoolError.cannotStartThread("EAGAIN").description.contains("EAGAIN"))
    }

    // MARK: Parallelism

    /// Every job waits at a barrier that only opens once all `size` jobs are running at the
    /// same time: it can only pass if the pool really runs them in parallel, on `size`
    /// distinct threads. The bounded wait makes a serial pool fail instead of hang.
    @Test("jobs run in parallel on distinct, named worker threads", arguments: [2, 4, 8])
    func jobsRunInParallel(size: Int) throws {
        let pool = try ThreadPool(size: size, name: "par")
        let arrived = Counter()
        let passed = Counter()
        let threads = Locked<Set<UInt>>([])
        let names = Locked<Set<String>>([])
        for _ in 0..<size {
            try pool.execute {
                threads.withLock { _ = $0.insert(currentThreadID()) }
                names.withLock { _ = $0.insert(currentThreadName()) }
                arrived.increment()
                if eventually({ arrived.value == size }) { passed.increment() }
            }
        }
        pool.shutdown()
        #expect(arrived.value == size)
        #expect(passed.value == size, "only \(passed.value) of \(size) jobs saw all \(size) running at once")
        #expect(threads.withLock { $0.count } == size)
        #expect(!threads.withLock { $0.contains(currentThreadID()) })
        #expect(names.withLock { $0 } == Set((0..<size).map { "par-\($0)" }))
    }

    /// Jobs queued without a wake-up (the reactor's batch) wait for `wakeWorker()`; that one
    /// wake-up must still get every job a worker, even when each job holds its worker: the
    /// woken worker wakes the next while jobs remain. Without that chain only one job would
    /// start, and the bounded wait would fail.
    @Test("a batch queued without wake-ups gets every job a worker after one wakeWorker", arguments: [2, 4])
    func oneWakeUpStartsTheWholeBatch(size: Int) throws {
        let pool = try ThreadPool(size: size)
        let started = Counter()
        let release = Flag()
        #expect(eventually { pool.sleepingWorkers == size }, "the workers never went to sleep")
        for _ in 0..<size {
            try pool.execute({
                started.increment()
                // Held for far longer than the test waits: only the chain can start the rest.
                _ = eventually(within: 30) { release.isSet }
            }, wakesWorker: false)
        }
        // Nobody was woken: the jobs wait, and every worker still sleeps.
        usleep(50_000)
        #expect(started.value == 0 && pool.queuedJobs == size)
        pool.wakeWorker()
        #expect(eventually { started.value == size }, "only \(started.value) of \(size) jobs started")
        release.set()
        pool.shutdown()
    }

    @Test("busyWorkers and queuedJobs reflect running and waiting jobs")
    func statsReflectState() throws {
        let size = 3
        let extra = 5
        let pool = try ThreadPool(size: size)
        let release = Flag()
        let running = Counter()
        let finished = Counter()
        for _ in 0..<size {
            try pool.execute {
                running.increment()
                _ = eventually { release.isSet }
                finished.increment()
            }
        }
        #expect(eventually { running.value == size })
        #expect(pool.busyWorkers == size)
        #expect(pool.queuedJobs == 0)

        for _ in 0..<extra {
            try pool.execute { finished.increment() }
        }
        // Every worker is held, so nothing can take the new jobs.
        #expect(pool.queuedJobs == extra)
        #expect(pool.busyWorkers == size)

        release.set()
        #expect(eventually { finished.value == size + extra })
        #expect(eventually { pool.busyWorkers == 0 })
        #expect(pool.queuedJobs == 0)
        pool.shutdown()
        #expect(pool.busyWorkers == 0)
        #expect(pool.queuedJobs == 0)
    }

    // MARK: Exactly once

    @Test("10,000 jobs from 4 producers each run exactly once")
    func everyJobRunsExactlyOnce() throws {
        let jobs = 10_000
        let producers = 4
        let pool = try ThreadPool(size: 4)
        let runs = Locked([Int](repeating: 0, count: jobs))
        let refused = Counter()
        let allProduced = try runThreads(producers) { producer in
            for job in stride(from: producer, to: jobs, by: producers) {
                do {
                    try pool.execute { runs.withLock { $0[job] += 1 } }
                } catch {
                    refused.increment()
                }
            }
        }
        #expect(allProduced)
        pool.shutdown()
        #expect(refused.value == 0)
        let counts = runs.withLock { $0 }
        #expect(counts.allSatisfy { $0 == 1 })
        #expect(counts.indices.filter { counts[$0] != 1 }.isEmpty, "jobs that did not run exactly once")
        #expect(counts.reduce(0, +) == jobs)
    }

    // MARK: Shutdown

    @Test("shutdown waits for every queued job", arguments: [1, 2, 4])
    func shutdownDrainsTheQueue(size: Int) throws {
        let jobs = 200
        let pool = try ThreadPool(size: size)
        let ran = Counter()
        for _ in 0..<jobs {
            try pool.execute {
                usleep(500)
                ran.increment()
            }
        }
        pool.shutdown()
        #expect(ran.value == jobs)
        #expect(pool.queuedJobs == 0)
        #expect(pool.busyWorkers == 0)
    }

    @Test("execute after shutdown throws shutDown and the job never runs")
    func executeAfterShutdownThrows() throws {
        let pool = try ThreadPool(size: 2)
        pool.shutdown()
        let ran = Flag()
        #expect(throws: ThreadPoolError.shutDown) {
            try pool.execute { ran.set() }
        }
        #expect(throws: ThreadPoolError.shutDown) {
            try pool.execute { ran.set() }
        }
        usleep(20_000)
        #expect(!ran.isSet)
    }

    /// A producer keeps submitting while another thread shuts the pool down: every job is
    /// either refused with an error or run, never accepted and then dropped.
    @Test("execute racing shutdown: every accepted job runs, the rest are refused")
    func executeRacingShutdown() throws {
        let pool = try ThreadPool(size: 2)
        let accepted = Counter()
        let refused = Counter()
        let ran = Counter()
        let producerDone = Flag()
        let producer = try JoinableThread(name: "producer") {
            let giveUp = monotonicSeconds() + 10
            while monotonicSeconds() < giveUp {
                do throws(ThreadPoolError) {
                    try pool.execute { ran.increment() }
                    accepted.increment()
                } catch {
                    if error == .shutDown { refused.increment() }
                    break
                }
            }
            producerDone.set()
        }
        #expect(eventually { accepted.value >= 1_000 })
        pool.shutdown()
        #expect(eventually { producerDone.isSet })
        producer.join()
        #expect(refused.value == 1)
        #expect(ran.value == accepted.value)
    }

    @Test("shutdown is idempotent")
    func shutdownTwice() throws {
        let pool = try ThreadPool(size: 2)
        let ran = Counter()
        for _ in 0..<10 { try pool.execute { ran.increment() } }
        pool.shutdown()
        pool.shutdown()
        pool.shutdown()
        #expect(ran.value == 10)
    }

    /// Several threads call `shutdown()` at once while jobs are still queued; each call must
    /// return only after every queued job ran, as the documentation promises.
    @Test("shutdown called from several threads at once: each call waits for all jobs")
    func concurrentShutdown() throws {
        let jobs = 40
        let callers = 4
        let pool = try ThreadPool(size: 2)
        let ran = Counter()
        for _ in 0..<jobs {
            try pool.execute {
                usleep(2_000)
                ran.increment()
            }
        }
        let ready = Counter()
        let seen = Locked<[Int]>([])
        let finished = try runThreads(callers, name: "stopper") { _ in
            ready.increment()
            _ = eventually { ready.value == callers }
            pool.shutdown()
            let count = ran.value
            seen.withLock { $0.append(count) }
        }
        #expect(finished)
        #expect(ran.value == jobs)
        #expect(seen.withLock { $0 } == Array(repeating: jobs, count: callers),
                "jobs that had run when each shutdown() returned")
    }

    @Test("dropping the pool joins its workers after the queued jobs")
    func deinitJoins() throws {
        let jobs = 100
        let ran = Counter()
        let reference = Locked(WeakPool())
        try {
            let pool = try ThreadPool(size: 2)
            reference.withLock { $0.pool = pool }
            for _ in 0..<jobs {
                try pool.execute {
                    usleep(500)
                    ran.increment()
                }
            }
        }()
        #expect(reference.value.pool == nil, "the pool outlived its last reference")
        // The pool is gone: its deinit must have waited for every job.
        #expect(ran.value == jobs)
    }

    @Test("a job that shuts down its own pool does not deadlock", arguments: [1, 2, 4])
    func jobShutsDownItsOwnPool(size: Int) throws {
        let pool = try ThreadPool(size: size)
        let returned = Flag()
        let refusedAfter = Flag()
        try pool.execute {
            pool.shutdown()
            do {
                try pool.execute {}
            } catch {
                refusedAfter.set()
            }
            returned.set()
        }
        let didReturn = eventually { returned.isSet }
        #expect(didReturn, "shutdown() from a worker never returned")
        guard didReturn else { return }
        #expect(refusedAfter.isSet)
        // The outside call still joins everything, the calling worker included.
        pool.shutdown()
        #expect(throws: ThreadPoolError.shutDown) { try pool.execute {} }
    }

    @Test("two jobs shutting down their pool at the same moment do not deadlock")
    func twoWorkersShutDownAtOnce() throws {
        let pool = try ThreadPool(size: 2)
        let arrived = Counter()
        let returned = Counter()
        for _ in 0..<2 {
            try pool.execute {
                arrived.increment()
                _ = eventually { arrived.value == 2 }
                pool.shutdown()
                returned.increment()
            }
        }
        let bothReturned = eventually { returned.value == 2 }
        #expect(bothReturned, "the workers' shutdown() calls deadlocked")
        guard bothReturned else { return }
        pool.shutdown()
    }

    /// The last reference goes away inside a job, so `deinit` (and its `shutdown()`) runs on
    /// a worker thread: it must neither wait for that worker nor crash.
    @Test("dropping the last reference inside a job deinitialises the pool on a worker")
    func lastReferenceDroppedOnAWorker() throws {
        let gate = Flag()
        let ran = Counter()
        let reference = Locked(WeakPool())
        do {
            let pool = try ThreadPool(size: 2)
            reference.withLock { $0.pool = pool }
            try pool.execute {
                _ = eventually { gate.isSet }
                withExtendedLifetime(pool) { ran.increment() }
            }
        }
        #expect(reference.value.pool != nil, "the queued job keeps the pool alive")
        gate.set()
        #expect(eventually { ran.value == 1 })
        #expect(eventually { reference.value.pool == nil }, "the pool was never deinitialised")
    }

    @Test("a job queued behind a self-shutdown still runs")
    func jobsQueuedBeforeSelfShutdownRun() throws {
        let pool = try ThreadPool(size: 1)
        let gate = Flag()
        let ran = Counter()
        try pool.execute {
            _ = eventually { gate.isSet }
            pool.shutdown()
        }
        for _ in 0..<10 { try pool.execute { ran.increment() } }
        gate.set()
        #expect(eventually { ran.value == 10 })
        pool.shutdown()
        #expect(ran.value == 10)
    }

    @Test("the pool runs work other than web requests: a parallel sum")
    func parallelSum() throws {
        let pool = try ThreadPool(size: 4)
        let total = Counter()
        let chunks = 16
        let chunkSize = 10_000
        for chunk in 0..<chunks {
            try pool.execute {
                var sum = 0
                for value in (chunk * chunkSize)..<((chunk + 1) * chunkSize) { sum += value }
                total.add(sum)
            }
        }
        pool.shutdown()
        let n = chunks * chunkSize
        #expect(total.value == n * (n - 1) / 2)
    }
}

/// A weak reference to a pool, to see when it is deinitialised.
struct WeakPool: Sendable {
    weak var pool: ThreadPool?
}
