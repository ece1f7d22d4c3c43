import Glibc

/// A counting semaphore (sem_init(3), sem_wait(3), sem_post(3)).
///
/// Invariant: the count never goes below zero: `acquire()` sleeps until it can take one,
/// `release()` gives one back and wakes a sleeper.
public final class Semaphore: @unchecked Sendable {
    // The sem_t lives at a fixed heap address for the object's life, as POSIX requires;
    // the semaphore itself is the synchronization, so no other lock guards it.
    private let semaphore: UnsafeMutablePointer<sem_t>

    public init(count: Int) {
        semaphore = .allocate(capacity: 1)
        semaphore.initialize(to: sem_t())
        precondition(sem_init(semaphore, 0, UInt32(clamping: count)) == 0, "sem_init failed")
    }

    deinit {
        sem_destroy(semaphore)
        semaphore.deallocate()
    }

    /// Takes one from the count, sleeping while it is zero.
    public func acquire() {
        while sem_wait(semaphore) != 0 && errno == EINTR {}
    }

    /// Gives one back.
    public func release() {
        sem_post(semaphore)
    }
}
