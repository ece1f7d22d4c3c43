import Glibc
import Testing
@testable import ThreadPool

@Suite("Lock", .timeLimit(.minutes(1)))
struct LockTests {
    /// The timed wait adds whole seconds and carries nanoseconds into them; a wrong carry
    /// would make it return at once or sleep far too long.
    @Test("a timed wait with nobody signalling times out after about its duration",
          arguments: [20_000_000 as UInt64, 250_000_000, 999_999_999, 1_100_000_000])
    func timedWaitTimesOut(nanoseconds: UInt64) {
        let lock = Lock()
        let started = monotonicSeconds()
        var signalled = true
        // A spurious wake-up returns true early; wait again for what is left.
        lock.withLock {
            while signalled {
                let elapsed = UInt64((monotonicSeconds() - started) * 1e9)
                if elapsed >= nanoseconds { break }
                signalled = lock.wait(nanoseconds: nanoseconds - elapsed)
            }
        }
        let elapsed = monotonicSeconds() - started
        let expected = Double(nanoseconds) / 1e9
        #expect(!signalled)
        #expect(elapsed >= expected - 0.005)
        #expect(elapsed < expected + 1)
    }

    @Test("a timed wait returns true when signalled")
    func timedWaitSignalled() throws {
        let lock = Lock()
        let waiting = Flag()
        let result = Locked<Bool?>(nil)
        let waiter = try JoinableThread(name: "waiter") {
            let signalled = lock.withLock { () -> Bool in
                waiting.set()
                return lock.wait(nanoseconds: 10_000_000_000)
            }
            result.withLock { $0 = signalled }
        }
        #expect(eventually { waiting.isSet })
        // Taking the lock guarantees the waiter is inside wait(), having released it.
        lock.withLock { lock.signal() }
        #expect(eventually { result.value != nil })
        if result.value != nil { waiter.join() }
        #expect(result.value == true)
    }
}
