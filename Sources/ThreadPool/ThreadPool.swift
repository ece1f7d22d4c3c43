import LinuxIO
import Logging
import Synchronization

/// A fixed set of worker threads that run submitted jobs: the Rust book's `ThreadPool` in Swift.
///
/// Invariant: exactly `size` workers exist from `init` until `shutdown()`; every job accepted
/// by `execute` runs exactly once, on one worker, before `shutdown()` returns; a job offered
/// after shutdown began is refused with `ThreadPoolError.shutDown`, never silently dropped.
///
/// ```swift
/// let pool = try ThreadPool(size: 4)
/// try pool.execute { print("hello from a worker") }
/// pool.shutdown()   // waits for the job, then joins the four workers
/// ```
public final class ThreadPool: Sendable {
    /// A unit of work: runs once on some worker thread.
    public typealias Job = @Sendable () -> Void

    /// The number of workers.
    public let size: Int

    private let queue = BlockingQueue<QueuedJob>()
    private let workers: Locked<Workers>
    private let stats = PoolStats()
    private let logger: Logger

    /// Creates `size` workers, named `name-0` ... `name-(size-1)`, which wait for jobs.
    ///
    /// - Throws: `ThreadPoolError.invalidSize` when `size` < 1 (the book's `build`, not its panic),
    ///   `ThreadPoolError.cannotStartThread` when the system refuses a thread.
    public init(size: Int, name: String = "worker", logger: Logger = Logger(label: "hello-server.pool")) throws(ThreadPoolError) {
        guard size >= 1 else { throw .invalidSize(size) }
        self.size = size
        self.logger = logger
        var started: [Worker] = []
        for id in 0..<size {
            do {
                started.append(try Worker(id: id, name: "\(name)-\(id)", queue: queue, stats: stats, logger: logger))
            } catch {
                queue.close()
                for worker in started { worker.thread.join() }
                throw .cannotStartThread(error.description)
            }
        }
        workers = Locked(Workers(all: started))
    }

    /// Queues `job` for the next free worker.
    ///
    /// `wakesWorker: false` queues it without waking a sleeping worker: a caller that queues
    /// several jobs at once must then call `wakeWorker()` once for all of them (a worker woken
    /// for them wakes the next while jobs remain); until then they may wait.
    ///
    /// - Throws: `ThreadPoolError.shutDown` once `shutdown()` has begun; the job did not run.
    public func execute(_ job: @escaping Job, wakesWorker: Bool = true) throws(ThreadPoolError) {
        do {
            try queue.push(QueuedJob(job: job, enqueuedAt: .now), wakesTaker: wakesWorker)
        } catch {
            throw .shutDown
        }
    }

    /// Wakes a sleeping worker if queued jobs have none on its way (after `execute(_:wakesWorker: false)`).
    public func wakeWorker() {
        queue.wakeTaker()
    }

    /// Stops taking jobs, lets every queued job run, and joins every worker; returns when all
    /// have exited. Safe to call more than once and from several threads: every call waits
    /// for the workers, not just the first. A call from one of the pool's own workers (a job
    /// shutting its pool down) only stops the pool taking jobs and returns at once: it cannot
    /// wait for its own worker, and waiting for the others could deadlock two workers that
    /// shut down at the same time. The remaining jobs still run.
    public func shutdown() {
        queue.close()
        let (all, announce) = workers.withLock { workers in
            defer { workers.stopping = true }
            return (workers.all, !workers.stopping)
        }
        if all.contains(where: { $0.thread.isCurrent }) { return }
        for worker in all {
            if announce { logger.debug("Shutting down worker \(worker.id)") }
            worker.thread.join()
        }
    }

    deinit {
        shutdown()
    }

    /// How long the oldest job still waiting for a worker has waited; `nil` when none waits.
    public var oldestQueuedJobAge: Duration? {
        queue.oldest.map { Instant.now.duration(since: $0.enqueuedAt) }
    }

    /// Jobs queued and not yet taken by a worker.
    public var queuedJobs: Int { queue.depth }

    /// Workers running a job right now.
    public var busyWorkers: Int { stats.busy.load(ordering: .relaxed) }

    /// Workers asleep on the queue (for tests).
    package var sleepingWorkers: Int { queue.sleepers }
}

/// The pool's workers, kept after shutdown so that every `shutdown()` call can join them.
private struct Workers: Sendable {
    let all: [Worker]
    /// Whether some `shutdown()` has begun (so only the first logs each worker's exit).
    var stopping = false
}

/// A job and when it was queued (for the age of the oldest waiting job).
struct QueuedJob: Sendable {
    let job: ThreadPool.Job
    let enqueuedAt: Instant
}

/// Why the pool refused to be built or to take a job.
public enum ThreadPoolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A pool needs at least one worker.
    case invalidSize(Int)
    /// `shutdown()` has begun; no new jobs are accepted.
    case shutDown
    /// The system refused to create a worker thread.
    case cannotStartThread(String)

    public var description: String {
        switch self {
        case .invalidSize(let size): "a thread pool needs at least 1 worker, got \(size)"
        case .shutDown: "the thread pool is shutting down and takes no new jobs"
        case .cannotStartThread(let reason): "cannot start a worker thread: \(reason)"
        }
    }
}

/// The counters a pool's workers update while they run, read by status pages.
///
/// Invariant: `busy` counts workers between taking a job and finishing it.
final class PoolStats: Sendable {
    let busy = Atomic<Int>(0)
}
