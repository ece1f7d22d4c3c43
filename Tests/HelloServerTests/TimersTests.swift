@testable import HelloServer
import LinuxIO
import Testing

/// The reactor's deadline queues on their own (issue 10: unit tests for the reactor's parts):
/// FIFO expiry, one live timer per connection whatever its kind, and compaction.
@Suite struct TimersTests {
    static let second: UInt64 = 1_000_000_000

    /// The instant `nanoseconds` after the clock's origin.
    static func at(_ nanoseconds: UInt64) -> Instant { Instant(nanoseconds: nanoseconds) }

    @Test("a queue expires its entries in arming order, each `length` after it was added, and no earlier")
    func queueOrder() {
        var queue = DeadlineQueue(length: .seconds(2))
        #expect(queue.length == 2 * Self.second)
        #expect(queue.next == nil)
        queue.add(slot: 7, stamp: 1, now: Self.at(10))
        queue.add(slot: 3, stamp: 2, now: Self.at(20))
        queue.add(slot: 7, stamp: 3, now: Self.at(30))
        #expect(queue.next == Self.at(10 + 2 * Self.second))
        var seen: [(Int, UInt64)] = []
        queue.expire(now: Self.at(20 + 2 * Self.second - 1)) { seen.append(($0, $1)) }
        #expect(seen.map(\.0) == [7] && seen.map(\.1) == [1], "only the first is due")
        queue.expire(now: Self.at(40 + 2 * Self.second)) { seen.append(($0, $1)) }
        #expect(seen.map(\.1) == [1, 2, 3])
        #expect(queue.next == nil && queue.count == 0)
    }

    @Test("a length below a millisecond is one millisecond")
    func shortestLength() {
        #expect(DeadlineQueue(length: .seconds(0)).length == 1_000_000)
        #expect(DeadlineQueue(length: .seconds(0.5)).length == Self.second / 2)
    }

    @Test("a length of centuries saturates: its deadline is the end of time, never in the past")
    func hugeLength() {
        var queue = DeadlineQueue(length: .seconds(1e11))
        queue.add(slot: 1, stamp: 1, now: Self.at(5 * Self.second))
        #expect(queue.next == Self.at(.max))
        var fired = false
        queue.expire(now: Self.at(10 * Self.second)) { _, _ in fired = true }
        #expect(!fired)
    }

    @Test("a long-running queue drops what it has expired, so it stays as long as what is pending")
    func compaction() {
        var queue = DeadlineQueue(length: .seconds(1))
        var expired = 0
        for step in 0..<10_000 {
            queue.add(slot: step, stamp: UInt64(step), now: Self.at(UInt64(step) * Self.second / 100))
            queue.expire(now: Self.at(UInt64(step) * Self.second / 100)) { _, _ in expired += 1 }
            #expect(queue.count <= 101, "at step \(step): \(queue.count) pending")
        }
        #expect(expired == 10_000 - 100)
    }

    @Test("arming any kind makes the connection's earlier timers stale; disarming leaves none live")
    func oneLiveTimerPerConnection() {
        var timers = Timers(request: .seconds(1), idle: .seconds(5), linger: .seconds(2))
        var stamp = timers.arm(.request, slot: 4, now: Self.at(0))
        let firstStamp = stamp
        stamp = timers.arm(.idle, slot: 4, now: Self.at(Self.second / 2))  // the request timer is now stale
        #expect(stamp != firstStamp)
        #expect(timers.next == Self.at(Self.second), "the stale request entry still wakes the reactor first")
        var due: [Timers.Due] = []
        timers.expire(now: Self.at(10 * Self.second), into: &due)
        let live = due.filter { $0.stamp == stamp }
        #expect(due.count == 2)
        #expect(live.count == 1 && live[0].kind == .idle && live[0].slot == 4)

        stamp = timers.arm(.linger, slot: 4, now: Self.at(10 * Self.second))
        stamp = timers.disarm()
        due = []
        timers.expire(now: Self.at(20 * Self.second), into: &due)
        #expect(due.count == 1 && due.allSatisfy { $0.stamp != stamp }, "a disarmed connection has no live timer")
        #expect(timers.next == nil)
    }

    @Test("the next deadline is the earliest of the three queues")
    func nextOfThree() {
        var timers = Timers(request: .seconds(10), idle: .seconds(5), linger: .seconds(2))
        #expect(timers.next == nil)
        _ = timers.arm(.request, slot: 1, now: Self.at(0))
        #expect(timers.next == Self.at(10 * Self.second))
        _ = timers.arm(.idle, slot: 2, now: Self.at(0))
        #expect(timers.next == Self.at(5 * Self.second))
        _ = timers.arm(.linger, slot: 3, now: Self.at(0))
        #expect(timers.next == Self.at(2 * Self.second))
        var due: [Timers.Due] = []
        timers.expire(now: Self.at(5 * Self.second), into: &due)
        #expect(due.map(\.slot) == [2, 3] && due.map(\.kind) == [.idle, .linger])
        #expect(timers.next == Self.at(10 * Self.second))
    }
}
