import LinuxIO

/// A first-in first-out queue that many threads push to and many threads take from,
/// where a taker sleeps until there is something to take.
///
/// Invariant: every element pushed before `close()` is taken exactly once; after `close()`
/// nothing more is accepted, and `take()` returns `nil` only once the queue is closed *and*
/// empty. The book's channel, with its lock held only to push or take, never while the
/// taken element is used (listing 21-21's lesson).
public final class BlockingQueue<Element: Sendable>: @unchecked Sendable {
    /// Everything the lock guards, behind a pointer rather than in stored `var`s: Swift checks
    /// every access to a class's stored `var` for exclusivity at run time, and the lock already
    /// makes each access exclusive.
    private struct State {
        var ring: [Element?]
        var head = 0
        var count = 0
        var closed = false
        var sleepers = 0
        /// Sleepers signalled and not yet awake, counted as takers on their way so that no other
        /// sleeper is woken for the same elements. An estimate that errs low only (a spurious
        /// wake-up lowers it too), which costs at most an extra wake-up, never a missed one.
        var wakesOnTheirWay = 0

        /// Whether a sleeper must be woken: some elements have no taker on its way.
        var needsAnotherTaker: Bool { count > wakesOnTheirWay && sleepers > wakesOnTheirWay }

        mutating func grow() {
            var larger = [Element?](repeating: nil, count: ring.count * 2)
            for offset in 0..<count { larger[offset] = ring[(head + offset) % ring.count] }
            ring = larger
            head = 0
        }
    }

    private let lock = Lock()
    // Guarded by `lock`.
    private let state: UnsafeMutablePointer<State>

    /// The queue was closed: the element was not queued and is handed back.
    public struct Closed: Error {
        public let element: Element
    }

    public init(initialCapacity: Int = 64) {
        state = .allocate(capacity: 1)
        state.initialize(to: State(ring: Array(repeating: nil, count: max(1, initialCapacity))))
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// Appends `element`, waking a sleeping taker unless one is already on its way for it
    /// (`wakesTaker: false` leaves that to a later `wakeTaker()`, so that a producer that
    /// pushes several elements at once pays one wake-up for them); throws `Closed` after `close()`.
    public func push(_ element: Element, wakesTaker: Bool = true) throws(Closed) {
        let wake = try lock.withLock { [state] () throws(Closed) -> Bool in
            if state.pointee.closed { throw Closed(element: element) }
            if state.pointee.count == state.pointee.ring.count { state.pointee.grow() }
            let ringCount = state.pointee.ring.count
            state.pointee.ring[(state.pointee.head + state.pointee.count) % ringCount] = element
            state.pointee.count += 1
            return wakesTaker && Self.signalling(state)
        }
        // Signalling outside the lock spares the woken thread an immediate wait for it.
        if wake { lock.signal() }
    }

    /// Wakes one sleeping taker if queued elements have none on its way. A woken taker that
    /// leaves elements behind wakes the next the same way, so the takers needed come one by one.
    public func wakeTaker() {
        if lock.withLock({ [state] in Self.signalling(state) }) { lock.signal() }
    }

    /// Under the lock: whether to signal a sleeper, counted as on its way if so.
    private static func signalling(_ state: UnsafeMutablePointer<State>) -> Bool {
        guard state.pointee.needsAnotherTaker else { return false }
        state.pointee.wakesOnTheirWay += 1
        return true
    }

    /// Removes and returns the oldest element, sleeping while the queue is empty; `nil` once
    /// the queue is closed and drained.
    public func take() -> Element? {
        let (element, wakeNext) = lock.withLock { [state, lock] () -> (Element?, Bool) in
            while state.pointee.count == 0 {
                if state.pointee.closed { return (nil, false) }
                state.pointee.sleepers += 1
                lock.wait()
                state.pointee.sleepers -= 1
                // Woken by a signal (or spuriously, when none is on its way).
                if state.pointee.wakesOnTheirWay > 0 { state.pointee.wakesOnTheirWay -= 1 }
            }
            let head = state.pointee.head
            let element = state.pointee.ring[head].take()
            state.pointee.head = (head + 1) % state.pointee.ring.count
            state.pointee.count -= 1
            return (element, Self.signalling(state))
        }
        if wakeNext { lock.signal() }
        return element
    }

    /// Stops accepting elements and wakes every taker; queued elements can still be taken.
    public func close() {
        lock.withLock { state.pointee.closed = true }
        lock.broadcast()
    }

    /// The element `take()` would return next, left in place; `nil` when empty.
    public var oldest: Element? {
        lock.withLock { state.pointee.count > 0 ? state.pointee.ring[state.pointee.head] : nil }
    }

    /// How many elements wait to be taken.
    public var depth: Int { lock.withLock { state.pointee.count } }

    /// How many takers sleep in `take()` (for tests).
    package var sleepers: Int { lock.withLock { state.pointee.sleepers } }

    /// Whether `close()` has been called (for tests: the pool never asks).
    package var isClosed: Bool { lock.withLock { state.pointee.closed } }
}
