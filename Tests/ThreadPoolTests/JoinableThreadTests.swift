import Glibc
import LinuxIO
import TestSupport
import Testing
import ThreadPool

@Suite("JoinableThread", .timeLimit(.minutes(3)))
struct JoinableThreadTests {
    @Test("join waits for the closure to return")
    func joinWaits() throws {
        let finished = Flag()
        let started = monotonicSeconds()
        let thread = try JoinableThread(name: "sleeper") {
            usleep(150_000)
            finished.set()
        }
        thread.join()
        #expect(finished.isSet)
        #expect(monotonicSeconds() - started >= 0.14)
    }

    @Test("join twice returns at once the second time")
    func joinTwice() throws {
        let thread = try JoinableThread(name: "once") {}
        thread.join()
        let started = monotonicSeconds()
        thread.join()
        #expect(monotonicSeconds() - started < 0.5)
    }

    @Test("isCurrent is true only on the thread itself")
    func isCurrent() throws {
        let handle = Locked<JoinableThread?>(nil)
        let insideIsCurrent = Locked<Bool?>(nil)
        let selfJoinReturned = Flag()
        let thread = try JoinableThread(name: "current") {
            guard eventually({ handle.value != nil }), let me = handle.value else { return }
            insideIsCurrent.withLock { $0 = me.isCurrent }
            // Joining itself must return at once instead of deadlocking.
            me.join()
            selfJoinReturned.set()
        }
        handle.withLock { $0 = thread }
        #expect(!thread.isCurrent)
        #expect(eventually { selfJoinReturned.isSet }, "join() from the thread itself did not return")
        thread.join()
        #expect(insideIsCurrent.value == true)
        handle.withLock { $0 = nil }
    }

    @Test("threads are named, cut to the 15 bytes Linux keeps",
          arguments: [("short", "short"), ("exactly-15-byte", "exactly-15-byte"), ("a-much-longer-thread-name", "a-much-longer-t")])
    func threadName(name: String, expected: String) throws {
        let seen = Locked<String>("")
        let thread = try JoinableThread(name: name) {
            let current = currentThreadName()
            seen.withLock { $0 = current }
        }
        thread.join()
        #expect(seen.value == expected)
    }

    /// Several threads join the same thread at once; none may return before it ended.
    @Test("concurrent joins all wait for the thread")
    func concurrentJoins() throws {
        let finished = Flag()
        let target = try JoinableThread(name: "target") {
            usleep(200_000)
            finished.set()
        }
        let sawFinished = Counter()
        let joined = try runThreads(4, name: "joiner") { _ in
            target.join()
            if finished.isSet { sawFinished.increment() }
        }
        #expect(joined)
        #expect(sawFinished.value == 4)
    }

    @Test("a thread dropped without join still runs its closure")
    func droppedThreadRuns() throws {
        let ran = Flag()
        _ = try JoinableThread(name: "detached") {
            usleep(10_000)
            ran.set()
        }
        #expect(eventually { ran.isSet })
    }
}
