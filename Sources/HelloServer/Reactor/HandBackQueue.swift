import LinuxIO

/// Connections that workers hand back to the reactor, and the eventfd that wakes it.
///
/// Invariant: a worker signals the eventfd only when it makes the queue non-empty; the reactor
/// drains the eventfd and then takes the whole queue, so a hand-back is never missed and a busy
/// pool costs one wake-up per batch, not one per connection.
final class HandBackQueue: Sendable {
    private let queue = Locked<[Connection]>([])
    let wakeEvent: EventFD

    init() throws(Errno) {
        wakeEvent = try EventFD()
    }

    /// Called by a worker when it is done with `connection`.
    func handBack(_ connection: Connection) {
        let wasEmpty = queue.withLock { queue in
            queue.append(connection)
            return queue.count == 1
        }
        if wasEmpty { wakeEvent.signal() }
    }

    /// Called by the reactor: everything handed back so far, in order. `spare` is an empty
    /// array whose storage the queue takes over, so steady state allocates nothing.
    func takeAll(swappingWith spare: inout [Connection]) {
        queue.withLock { queue in swap(&queue, &spare) }
    }
}
