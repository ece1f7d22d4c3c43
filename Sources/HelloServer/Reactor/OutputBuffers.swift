import LinuxIO

/// Spare response buffers that workers borrow for one job and give back.
///
/// Invariant: a buffer is owned by at most one job at a time; buffers come back empty, and at
/// most `limit` of them (each under `maxCapacity`) are kept. Borrowing instead of keeping a
/// buffer in every connection is what lets an idle connection hold no output buffer at all,
/// while a request in steady state still allocates nothing.
final class OutputBuffers: Sendable {
    private let spare = Locked<[[UInt8]]>([])
    private let limit = 64
    private let maxCapacity = 64 * 1024

    /// An empty buffer, reused when one is spare.
    func borrow() -> [UInt8] {
        if let buffer = spare.withLock({ $0.popLast() }) { return buffer }
        var fresh: [UInt8] = []
        fresh.reserveCapacity(4096)
        return fresh
    }

    /// Takes a buffer back for the next job (or lets it go, if too large or too many).
    func giveBack(_ buffer: consuming [UInt8]) {
        guard buffer.capacity <= maxCapacity else { return }
        var emptied = consume buffer
        emptied.removeAll(keepingCapacity: true)
        spare.withLock { spare in
            if spare.count < limit { spare.append(emptied) }
        }
    }
}
