import Glibc

/// A point on the monotonic clock (CLOCK_MONOTONIC), for timeouts that wall-clock changes
/// cannot stretch or shrink.
///
/// Invariant: `nanoseconds` counts from the clock's arbitrary origin and only grows.
public struct Deadline: Comparable, Sendable {
    public let nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static var now: Deadline {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Deadline(nanoseconds: UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec))
    }

    /// `seconds` from now (decimals allowed).
    public static func after(seconds: Double) -> Deadline {
        Deadline(nanoseconds: now.nanoseconds + UInt64(max(0, seconds) * 1e9))
    }

    public var hasPassed: Bool { Deadline.now >= self }

    /// Milliseconds left, rounded up so a wait never ends just before the deadline; 0 once passed.
    public var remainingMilliseconds: Int32 {
        let current = Deadline.now.nanoseconds
        guard nanoseconds > current else { return 0 }
        return Int32(clamping: (nanoseconds - current + 999_999) / 1_000_000)
    }

    public static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}
