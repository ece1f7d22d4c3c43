import Glibc

/// A pthread mutex with a condition variable, heap-allocated so their addresses never move.
///
/// Invariant: `wait()` is only called by a thread that holds the lock (inside `withLock`);
/// `signal()`/`broadcast()` may be called with or without it (POSIX allows both; outside is
/// cheaper for the woken thread). The Synchronization module's `Mutex` has no condition
/// variable, hence this type.
public final class Lock: @unchecked Sendable {
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        precondition(pthread_cond_init(condition, nil) == 0, "pthread_cond_init failed")
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Inlinable, so that `body` is inlined into its caller instead of called through a
    /// generic closure on every request.
    @inlinable
    public func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Releases the lock until signalled (or spuriously woken), then takes it again.
    public func wait() {
        pthread_cond_wait(condition, mutex)
    }

    public func signal() { pthread_cond_signal(condition) }
    public func broadcast() { pthread_cond_broadcast(condition) }
}
