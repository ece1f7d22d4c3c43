import Glibc

/// A point on the monotonic clock (CLOCK_MONOTONIC): the one representation of a moment in the
/// server, for deadlines, timers and how long something took, which wall-clock changes cannot
/// stretch or shrink. Lengths of time are `Duration`s; the command line's seconds and
/// milliseconds become one where a server builds its parts. (`WallClock` is the other clock,
/// for the dates a response or a log line shows, never for measuring.)
///
/// Invariant: `nanoseconds` counts from the clock's arbitrary origin, and `now` never goes back.
public struct Instant: Comparable, Hashable, Sendable {
    public let nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static var now: Instant {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Instant(nanoseconds: UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec))
    }

    /// `duration` from now: a deadline.
    public static func after(_ duration: Duration) -> Instant { now.advanced(by: duration) }

    /// `duration` later (a negative one counts as none).
    public func advanced(by duration: Duration) -> Instant { advanced(byNanoseconds: duration.wholeNanoseconds) }

    /// `nanoseconds` later, saturating at the end of time: a timeout of centuries is one that
    /// never fires, not one that wraps into the past.
    public func advanced(byNanoseconds length: UInt64) -> Instant {
        let (sum, overflow) = nanoseconds.addingReportingOverflow(length)
        return Instant(nanoseconds: overflow ? .max : sum)
    }

    /// How long after `earlier` this is (zero if it is not later).
    public func duration(since earlier: Instant) -> Duration {
        .nanoseconds(Int64(clamping: nanoseconds > earlier.nanoseconds ? nanoseconds - earlier.nanoseconds : 0))
    }

    public var hasPassed: Bool { Instant.now >= self }

    /// Milliseconds left, rounded up so a wait never ends just before the deadline; 0 once passed.
    public var remainingMilliseconds: Int32 {
        let current = Instant.now.nanoseconds
        guard nanoseconds > current else { return 0 }
        return Int32(clamping: (nanoseconds - current + 999_999) / 1_000_000)
    }

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}

extension Duration {
    /// The length in whole nanoseconds (0 for a negative one, saturating at the top); computed
    /// once where a length is added on every request (`Duration`'s own arithmetic is 128-bit).
    public var wholeNanoseconds: UInt64 {
        guard self > .zero else { return 0 }
        let (seconds, attoseconds) = components
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        let (sum, carry) = whole.addingReportingOverflow(UInt64(attoseconds / 1_000_000_000))
        return overflow || carry ? .max : sum
    }

    /// The length in seconds, for showing it (the status page, metrics).
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// The wall clock: the dates a response or a log line shows.
public enum WallClock {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    public static var secondsSinceEpoch: Int { Int(time(nil)) }
}
