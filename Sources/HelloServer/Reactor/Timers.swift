import LinuxIO

/// The reactor's deadlines: a FIFO queue per timeout length (`--header-timeout` for a request
/// head, a body's progress and a write's progress; `--keep-alive-timeout` between requests; the
/// lingering close), and the stamps that make a connection's older timers stale.
///
/// Invariant: a connection has at most one live timer. Arming one of any kind takes a new
/// stamp, which the connection keeps (`Connection.timerStamp`); every earlier entry of that
/// connection, in whichever queue, then carries an older stamp and is skipped when it comes due.
/// `disarm` takes a new stamp and arms nothing. So arming and disarming are O(1), and no entry
/// is ever searched for.
struct Timers {
    /// Which queue a timer is in: what its expiry means.
    enum Kind { case request, idle, linger }

    /// A timer that came due: the connection's slot, the stamp it was armed with (live only if
    /// it is still the connection's), and its kind.
    typealias Due = (slot: Int, stamp: UInt64, kind: Kind)

    private var request: DeadlineQueue
    private var idle: DeadlineQueue
    private var linger: DeadlineQueue
    private var stamps: UInt64 = 0

    init(request: Duration, idle: Duration, linger: Duration) {
        self.request = DeadlineQueue(length: request)
        self.idle = DeadlineQueue(length: idle)
        self.linger = DeadlineQueue(length: linger)
    }

    /// Arms a `kind` timer from `now` for the connection in `slot`; returns the stamp the
    /// connection must keep (its earlier timers become stale).
    mutating func arm(_ kind: Kind, slot: Int, now: Instant) -> UInt64 {
        stamps &+= 1
        switch kind {
        case .request: request.add(slot: slot, stamp: stamps, now: now)
        case .idle: idle.add(slot: slot, stamp: stamps, now: now)
        case .linger: linger.add(slot: slot, stamp: stamps, now: now)
        }
        return stamps
    }

    /// A stamp no queued timer has: the connection that keeps it has no live timer.
    mutating func disarm() -> UInt64 {
        stamps &+= 1
        return stamps
    }

    /// The earliest deadline queued (possibly stale, which only wakes the reactor early).
    var next: Instant? {
        let candidates: InlineArray<3, Instant?> = [request.next, idle.next, linger.next]
        var nearest: Instant?
        for index in candidates.indices {
            if let candidate = candidates[index], nearest.map({ candidate < $0 }) ?? true { nearest = candidate }
        }
        return nearest
    }

    /// Moves every entry due at `now` into `due`, whether live or stale (the caller knows
    /// the connections' stamps); nothing is acted on here, since acting arms new timers.
    mutating func expire(now: Instant, into due: inout [Due]) {
        request.expire(now: now) { due.append(($0, $1, .request)) }
        idle.expire(now: now) { due.append(($0, $1, .idle)) }
        linger.expire(now: now) { due.append(($0, $1, .linger)) }
    }
}

/// Timers of one fixed length, kept in the order they were armed.
///
/// Invariant: since every timer lasts `length`, arming order is expiry order, so the queue is
/// a FIFO and adding, expiring and finding the next deadline cost O(1) (amortised: the consumed
/// prefix is dropped once it dominates).
struct DeadlineQueue {
    private struct Entry {
        var deadline: Instant
        var slot: Int
        var stamp: UInt64
    }

    /// Each timer's length, at least 1 ms, in whole nanoseconds (added on every arm).
    let length: UInt64
    private var entries: [Entry] = []
    private var head = 0

    init(length: Duration) {
        self.length = max(1_000_000, length.wholeNanoseconds)
    }

    /// Queues a timer for `slot`, due `length` after `now`.
    mutating func add(slot: Int, stamp: UInt64, now: Instant) {
        entries.append(Entry(deadline: now.advanced(byNanoseconds: length), slot: slot, stamp: stamp))
    }

    /// The earliest deadline still queued (possibly stale).
    var next: Instant? { head < entries.count ? entries[head].deadline : nil }

    /// Entries not yet expired, stale ones included.
    var count: Int { entries.count - head }

    /// Removes every entry due at `now`, calling `body` with its slot and stamp.
    mutating func expire(now: Instant, _ body: (_ slot: Int, _ stamp: UInt64) -> Void) {
        while head < entries.count && entries[head].deadline <= now {
            let entry = entries[head]
            head += 1
            body(entry.slot, entry.stamp)
        }
        // Compact once the consumed prefix dominates, keeping appends amortised O(1).
        if head > 1024 && head * 2 > entries.count {
            entries.removeFirst(head)
            head = 0
        } else if head == entries.count {
            entries.removeAll(keepingCapacity: true)
            head = 0
        }
    }
}
