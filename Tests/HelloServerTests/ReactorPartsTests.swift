import HTTP1
@testable import HelloServer
import LinuxIO
import Testing

/// The reactor's bookkeeping on its own (issue 10: unit tests for the reactor's parts): the
/// connection table's stale tokens and the hand-back queue's wake-ups (once per sleep).
@Suite struct ReactorPartsTests {
    /// A connection for `slot`, on a socket of its own (a listener: any descriptor will do).
    private static func connection(_ slot: Int, _ generation: UInt32) throws -> Connection {
        let socket = try Socket.listening(on: SocketAddress.resolve(host: "127.0.0.1", port: 0), backlog: 1)
        return Connection(socket: socket, peer: nil, slot: slot, generation: generation, limits: ParserLimits())
    }

    @Test("a token names one connection for all time: after its slot is reused, the old token is stale")
    func staleTokens() throws {
        var table = ConnectionTable()
        let (slot, generation) = table.reserveSlot()
        #expect(slot == 0 && generation == 1)
        let first = try Self.connection(slot, generation)
        table.insert(first)
        #expect(table.count == 1)
        #expect(table.connection(forToken: first.token) === first)
        #expect(table.connection(forToken: UInt64(generation + 1) << 32 | UInt64(slot)) == nil, "another generation")
        #expect(table.connection(forToken: UInt64(generation) << 32 | 5) == nil, "a slot never used")

        table.remove(first)
        #expect(table.count == 0)
        #expect(table.connection(forToken: first.token) == nil)
        let (reused, newGeneration) = table.reserveSlot()
        #expect(reused == slot && newGeneration == 2, "the freed slot, one generation on")
        let second = try Self.connection(reused, newGeneration)
        table.insert(second)
        #expect(table.connection(forToken: first.token) == nil, "an event for the closed connection is stale")
        #expect(table.connection(forToken: second.token) === second)
        #expect(table.connection(atSlot: reused) === second)

        table.remove(first)  // already gone: the slot's new occupant stays
        #expect(table.count == 1 && table.connection(forToken: second.token) === second)
        #expect(table.all.count == 1)
    }

    @Test("parked exchanges are reused, and at most `limit` are kept")
    func spareExchangesAreBounded() {
        var spares = SpareExchanges(limit: 2, limits: ParserLimits())
        let taken = (0..<3).map { _ in spares.take() }
        #expect(spares.count == 0)
        for exchange in taken { spares.giveBack(exchange) }
        #expect(spares.count == 2, "the third is freed, not kept")
        let again = spares.take()
        #expect(again == taken[1] && spares.count == 1, "the last parked comes back first")
        spares.giveBack(again)
    }

    @Test("slots are reused before the table grows")
    func slotReuse() throws {
        var table = ConnectionTable()
        var open: [Connection] = []
        for _ in 0..<3 {
            let (slot, generation) = table.reserveSlot()
            let connection = try Self.connection(slot, generation)
            table.insert(connection)
            open.append(connection)
        }
        #expect(open.map(\.slot) == [0, 1, 2])
        table.remove(open[1])
        let (slot, generation) = table.reserveSlot()
        #expect(slot == 1 && generation == 2)
    }

    /// The hand-back queue's rule (HandBackQueue.swift): a worker writes the eventfd only while
    /// the reactor may be asleep, once per sleep; an awake reactor takes the queue anyway.
    @Test("hand-backs come out in order and wake the reactor only when it may sleep, once per sleep")
    func handBackWakesOnlyASleepingReactor() throws {
        let handBackQueue = try HandBackQueue()
        let connections = try (0..<3).map { try Self.connection($0, 1) }
        var taken: [Connection] = []

        handBackQueue.handBack(connections[0])  // the reactor is awake: no write
        #expect(!handBackQueue.mayWait(), "something is handed back: the reactor must not sleep")
        #expect(handBackQueue.wakeEvent.drain() == 0)
        handBackQueue.takeAll(swappingWith: &taken)
        #expect(taken.map(\.slot) == [0])
        taken.removeAll()

        #expect(handBackQueue.mayWait())
        for connection in connections { handBackQueue.handBack(connection) }
        #expect(handBackQueue.wakeEvent.drain() == 1, "one write for the sleep, not one per hand-back")
        handBackQueue.takeAll(swappingWith: &taken)
        #expect(taken.map(\.slot) == [0, 1, 2])
        var again: [Connection] = []
        handBackQueue.takeAll(swappingWith: &again)
        #expect(again.isEmpty)

        #expect(handBackQueue.mayWait())  // the next sleep is woken again
        handBackQueue.handBack(connections[2])
        #expect(handBackQueue.wakeEvent.drain() == 1, "a later sleep must be woken too")
        handBackQueue.takeAll(swappingWith: &taken)

        handBackQueue.handBack(connections[1])  // awake again after taking the queue: no write
        #expect(handBackQueue.wakeEvent.drain() == 0)
        #expect(!handBackQueue.mayWait())
    }
}
