/// The reactor's open connections, by slot, with a generation per slot so that an epoll event
/// or a timer for a connection that has since closed is recognised as stale.
///
/// Invariant: a slot holds at most one connection; its generation grows each time the slot
/// is reused, so a token (generation, slot) names one connection for all time.
struct ConnectionTable {
    private var slots: [Connection?] = []
    private var generations: [UInt32] = []
    private var freeSlots: [Int] = []
    private(set) var count = 0

    /// Reserves a free slot and its new generation for the connection about to be inserted.
    mutating func reserveSlot() -> (slot: Int, generation: UInt32) {
        let slot: Int
        if let reused = freeSlots.popLast() {
            slot = reused
        } else {
            slot = slots.count
            slots.append(nil)
            generations.append(0)
        }
        generations[slot] &+= 1
        return (slot, generations[slot])
    }

    /// Puts a connection built for a reserved slot into it.
    mutating func insert(_ connection: Connection) {
        precondition(slots[connection.slot] == nil && generations[connection.slot] == connection.generation)
        slots[connection.slot] = connection
        count += 1
    }

    /// The live connection an epoll token names, or `nil` for a stale token.
    func connection(forToken token: UInt64) -> Connection? {
        let slot = Int(token & 0xFFFF_FFFF)
        guard slot < slots.count, let connection = slots[slot], connection.generation == UInt32(token >> 32) else { return nil }
        return connection
    }

    func connection(atSlot slot: Int) -> Connection? {
        slot < slots.count ? slots[slot] : nil
    }

    mutating func remove(_ connection: Connection) {
        guard slots[connection.slot] === connection else { return }
        slots[connection.slot] = nil
        freeSlots.append(connection.slot)
        count -= 1
    }

    /// Every open connection (for shutdown).
    var all: [Connection] { slots.compactMap { $0 } }
}
