import Logging

/// One thread of a `ThreadPool`, taking jobs from the pool's queue until it is closed
/// (the book's `Worker { id, thread }`).
///
/// Invariant: the queue's lock is held only to take a job, never while the job runs.
struct Worker: Sendable {
    let id: Int
    let thread: JoinableThread

    init(id: Int, name: String, queue: BlockingQueue<QueuedJob>, stats: PoolStats, logger: Logger) throws(JoinableThread.SpawnError) {
        self.id = id
        thread = try JoinableThread(name: name) {
            while let queued = queue.take() {
                logger.debug("Worker \(id) got a job; executing.")
                stats.busy.add(1, ordering: .relaxed)
                queued.job()
                stats.busy.subtract(1, ordering: .relaxed)
            }
            logger.debug("Worker \(id) disconnected; shutting down.")
        }
    }
}
