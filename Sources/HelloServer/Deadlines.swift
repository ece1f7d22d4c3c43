import LinuxIO

/// Timers of one fixed length, kept in the order they were armed.
///
/// Invariant: since every timer lasts `length`, arming order is expiry order, so the queue is
/// a FIFO and arming, expiring and finding the next deadline cost O(1). A connection re-arms
/// by taking a new stamp; entries whose stamp is no longer the connection's are skipped when
/// they reach the front (lazy invalidation), never searched for.
struct DeadlineQueue {
    private struct Entry {
        var deadline: UInt64
        var slot: Int
        var stamp: UInt64
    }

    let length: UInt64
    private var entries: [Entry] = []
    private var head = 0

    init(seconds: Double) {
        length = UInt64(max(0.001, seconds) * 1e9)
    }

    /// Arms a timer for `connection`, replacing whatever timer it had (in any queue).
    mutating func arm(_ connection: Connection, now: UInt64, stamps: inout UInt64) {
        stamps &+= 1
        connection.timerStamp = stamps
        entries.append(Entry(deadline: now + length, slot: connection.slot, stamp: stamps))
    }

    /// The earliest deadline still queued (possibly stale).
    var next: UInt64? { head < entries.count ? entries[head].deadline : nil }

    /// Removes every entry due at `now`, calling `body` with its slot and stamp.
    mutating func expire(now: UInt64, _ body: (_ slot: Int, _ stamp: UInt64) -> Void) {
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

extension Connection {
    /// Stops whatever timer the connection had (its entries become stale).
    func disarmTimer(stamps: inout UInt64) {
        stamps &+= 1
        timerStamp = stamps
    }
}
