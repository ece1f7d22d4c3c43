import LinuxIO

/// A first-in first-out queue that many threads push to and many threads take from,
/// where a taker sleeps until there is something to take.
///
/// Invariant: every element pushed before `close()` is taken exactly once; after `close()`
/// nothing more is accepted, and `take()` returns `nil` only once the queue is closed *and*
/// empty. The book's channel, with its lock held only to push or take, never while the
/// taken element is used (listing 21-21's lesson).
public final class BlockingQueue<Element: Sendable>: @unchecked Sendable {
    // Every field below is guarded by `lock`.
    private let lock = Lock()
    private var ring: [Element?]
    private var head = 0
    private var count = 0
    private var closed = false
    private var sleepers = 0

    /// The queue was closed: the element was not queued and is handed back.
    public struct Closed: Error {
        public let element: Element
    }

    public init(initialCapacity: Int = 64) {
        ring = Array(repeating: nil, count: max(1, initialCapacity))
    }

    /// Appends `element`, waking one sleeping taker; throws `Closed` after `close()`.
    public func push(_ element: Element) throws(Closed) {
        let wake = try lock.withLock { () throws(Closed) -> Bool in
            if closed { throw Closed(element: element) }
            if count == ring.count { grow() }
            ring[(head + count) % ring.count] = element
            count += 1
            return sleepers > 0
        }
        // Signalling outside the lock spares the woken thread an immediate wait for it.
        if wake { lock.signal() }
    }

    /// Removes and returns the oldest element, sleeping while the queue is empty; `nil` once
    /// the queue is closed and drained.
    public func take() -> Element? {
        lock.withLock { () -> Element? in
            while count == 0 {
                if closed { return nil }
                sleepers += 1
                lock.wait()
                sleepers -= 1
            }
            let element = ring[head].take()
            head = (head + 1) % ring.count
            count -= 1
            return element
        }
    }

    /// Stops accepting elements and wakes every taker; queued elements can still be taken.
    public func close() {
        lock.withLock { closed = true }
        lock.broadcast()
    }

    /// The element `take()` would return next, left in place; `nil` when empty.
    public var oldest: Element? { lock.withLock { count > 0 ? ring[head] : nil } }

    /// How many elements wait to be taken.
    public var depth: Int { lock.withLock { count } }

    /// Whether `close()` has been called (for tests: the pool never asks).
    package var isClosed: Bool { lock.withLock { closed } }

    private func grow() {
        var larger = [Element?](repeating: nil, count: ring.count * 2)
        for offset in 0..<count { larger[offset] = ring[(head + offset) % ring.count] }
        ring = larger
        head = 0
    }
}
