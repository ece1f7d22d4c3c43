import Foundation
import Glibc
import LinuxIO
import TestSupport
import Testing

@Suite("Poll, Instant and EventFD", .timeLimit(.minutes(3)))
struct PollTests {
    // MARK: Instant

    @Test("after(_:) lies that far ahead on the monotonic clock")
    func deadlineAfter() {
        let before = Instant.now
        let deadline = Instant.after(.seconds(0.5))
        let after = Instant.now
        #expect(deadline.nanoseconds >= before.nanoseconds + 500_000_000)
        #expect(deadline.nanoseconds <= after.nanoseconds + 500_000_000)
        #expect(before <= after)
        #expect(before < deadline)
        #expect(!deadline.hasPassed)
        let remaining = deadline.remainingMilliseconds
        #expect(remaining > 300 && remaining <= 500, "remaining \(remaining) ms")
    }

    @Test("a deadline in the past or now has passed with 0 ms left", arguments: [0.0, -1.0, -1e9])
    func deadlinePassed(seconds: Double) {
        let deadline = Instant.after(.seconds(seconds))
        #expect(deadline.hasPassed)
        #expect(deadline.remainingMilliseconds == 0)
        #expect(Instant(nanoseconds: 0).hasPassed)
        #expect(Instant(nanoseconds: 0).remainingMilliseconds == 0)
    }

    @Test("remainingMilliseconds rounds up, so a wait never ends just before the deadline")
    func remainingRoundsUp() {
        // 1 ms and 1 ns ahead: at most 2 ms after rounding up, and never 0 while not passed.
        let deadline = Instant(nanoseconds: Instant.now.nanoseconds + 1_000_001)
        let remaining = deadline.remainingMilliseconds
        #expect(remaining <= 2)
        if !deadline.hasPassed && remaining == 0 { Issue.record("0 ms left before the deadline passed") }
    }

    @Test("instants add durations and measure them, never negative")
    func instantArithmetic() {
        let start = Instant(nanoseconds: 1_000)
        let later = start.advanced(by: .milliseconds(1500))
        #expect(later.nanoseconds == 1_000 + 1_500_000_000)
        #expect(later.duration(since: start) == .milliseconds(1500))
        #expect(start.duration(since: later) == .zero, "an earlier instant is no time after")
        #expect(start.advanced(by: .seconds(-5)) == start, "a negative length counts as none")
        #expect(Instant.now.advanced(by: .seconds(1e11)).nanoseconds == .max, "centuries saturate, never wrap into the past")
        #expect(!Instant.after(.seconds(1e11)).hasPassed)
    }

    @Test("a Duration in whole nanoseconds: truncated, 0 when negative, saturated at the top")
    func durationNanoseconds() {
        #expect(Duration.seconds(2).wholeNanoseconds == 2_000_000_000)
        #expect(Duration.seconds(0.0000000015).wholeNanoseconds == 1)
        #expect(Duration.milliseconds(-3).wholeNanoseconds == 0)
        #expect(Duration.seconds(Int64.max).wholeNanoseconds == .max)
        // Just past UInt64.max nanoseconds by the fraction alone: saturates too, never wraps.
        #expect(Duration.seconds(18_446_744_073.8).wholeNanoseconds == .max)
        #expect(Duration.seconds(18_446_744_073).wholeNanoseconds == 18_446_744_073_000_000_000)
        #expect(Duration.milliseconds(250).inSeconds == 0.25)
    }

    @Test("the wall clock is the time of day, not the monotonic clock")
    func wallClock() {
        // 2026-01-01T00:00:00Z and 2100: this test's machine is somewhere in between.
        #expect(WallClock.secondsSinceEpoch > 1_767_225_600 && WallClock.secondsSinceEpoch < 4_102_444_800)
    }

    @Test("a far deadline clamps remainingMilliseconds to Int32.max")
    func farDeadline() {
        let deadline = Instant.after(.seconds(1e8))
        #expect(deadline.remainingMilliseconds == Int32.max)
        #expect(!deadline.hasPassed)
    }

    @Test("a deadline passes once its time has come")
    func deadlineBecomesPassed() {
        let deadline = Instant.after(.seconds(0.05))
        #expect(!deadline.hasPassed)
        usleep(80_000)
        #expect(deadline.hasPassed)
        #expect(deadline.remainingMilliseconds == 0)
    }

    // MARK: Poll

    @Test("poll times out with every entry empty")
    func pollTimesOut() throws {
        let listener = try makeListener()
        let client = try connectClient(to: listener)
        let server = try acceptConnection(listener)
        let started = monotonicSeconds()
        let events = try Poll.wait([(fd: server.rawValue, events: .readable), (fd: listener.rawValue, events: .readable)],
                                   until: .after(.seconds(0.1)))
        let elapsed = monotonicSeconds() - started
        #expect(events.count == 2)
        #expect(events.allSatisfy { $0.isEmpty })
        #expect(elapsed >= 0.09, "returned after \(elapsed) s")
        #expect(elapsed < 2)
        _ = client
    }

    @Test("poll with a passed deadline returns at once")
    func pollPassedDeadline() throws {
        let listener = try makeListener()
        let started = monotonicSeconds()
        let events = try Poll.wait([(fd: listener.rawValue, events: .readable)], until: .after(.seconds(0)))
        #expect(events == [[]])
        #expect(monotonicSeconds() - started < 0.5)
    }

    @Test("poll wakes with readable when data arrives from another thread")
    func pollSeesArrivingData() throws {
        let listener = try makeListener()
        let client = try connectClient(to: listener)
        let server = try acceptConnection(listener)
        let clientFD = client.rawValue
        let writer = Thread {
            usleep(50_000)
            var byte: UInt8 = 0x2A
            _ = send(clientFD, &byte, 1, Int32(MSG_NOSIGNAL))
        }
        writer.start()
        let started = monotonicSeconds()
        let events = try Poll.wait([(fd: server.rawValue, events: .readable)], until: .after(.seconds(5)))
        let elapsed = monotonicSeconds() - started
        #expect(events.count == 1)
        #expect(events[0].contains(.readable))
        #expect(elapsed >= 0.03 && elapsed < 4, "woke after \(elapsed) s")
        #expect(try readBytes(server, count: 1) == [0x2A])
        // Keep `client` open until the writer is surely done with its descriptor.
        let done = Instant.after(.seconds(5))
        while !writer.isFinished && !done.hasPassed { usleep(1_000) }
        _ = client
    }

    @Test("poll reports writable for a connected socket and readable on the right entry")
    func pollMixedEntries() throws {
        let listener = try makeListener()
        let client = try connectClient(to: listener)
        let server = try acceptConnection(listener)
        try writeAll(client, [1])
        let events = try Poll.wait([(fd: client.rawValue, events: .writable), (fd: server.rawValue, events: .readable)],
                                   until: .after(.seconds(5)))
        #expect(events[0].contains(.writable))
        #expect(!events[0].contains(.readable))
        #expect(events[1].contains(.readable))
    }

    @Test("poll reports hangUp for a closed descriptor number (POLLNVAL)")
    func pollInvalidDescriptor() throws {
        let fd = dup(STDERR_FILENO)
        close(fd)
        let events = try Poll.wait([(fd: fd, events: .readable)], until: .after(.seconds(1)))
        #expect(!events[0].intersection(.hangUp).isEmpty)
    }

    // MARK: EventFD

    @Test("signal makes an eventfd readable and drain returns the count")
    func eventFDSignalAndDrain() throws {
        let event = try EventFD()
        #expect(event.rawValue == event.descriptor.rawValue)
        #expect(try Poll.wait([(fd: event.rawValue, events: .readable)], until: .after(.seconds(0))) == [[]])

        event.signal()
        event.signal()
        event.signal()
        let events = try Poll.wait([(fd: event.rawValue, events: .readable)], until: .after(.seconds(5)))
        #expect(events[0].contains(.readable))
        #expect(event.drain() == 3)

        #expect(try Poll.wait([(fd: event.rawValue, events: .readable)], until: .after(.seconds(0.02))) == [[]])
        #expect(event.drain() == 0, "draining an empty non-blocking eventfd returns 0")
    }

    @Test("a signal from another thread wakes a poll on the eventfd")
    func eventFDWakesPoll() throws {
        let event = try EventFD()
        let fd = event.rawValue
        let signaller = Thread {
            usleep(50_000)
            var one: UInt64 = 1
            _ = write(fd, &one, 8)
        }
        signaller.start()
        let events = try Poll.wait([(fd: fd, events: .readable)], until: .after(.seconds(5)))
        #expect(events[0].contains(.readable))
        #expect(event.drain() == 1)
        let done = Instant.after(.seconds(5))
        while !signaller.isFinished && !done.hasPassed { usleep(1_000) }
    }

    @Test("a blocking eventfd drains what it holds")
    func blockingEventFD() throws {
        let event = try EventFD(nonBlocking: false)
        event.signal()
        #expect(event.drain() == 1)
        #expect(fcntl(event.rawValue, F_GETFL) & O_NONBLOCK == 0)
        #expect(fcntl(event.rawValue, F_GETFD) & FD_CLOEXEC != 0)
    }
}
