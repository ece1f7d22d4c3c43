import LinuxIO

/// Connections that workers hand back to the reactor, and the eventfd that wakes it.
///
/// Invariant: a hand-back is never missed, and the eventfd is written at most once per
/// announced sleep. The reactor announces a sleep under the queue's lock, and only when the
/// queue is empty (`mayWait()`); until it next takes the queue (`takeAll`), the first hand-back
/// writes the eventfd (even if the reactor has woken for something else meanwhile: the next
/// `epoll_wait` then returns at once). A reactor that has not announced a sleep takes the queue
/// before it next sleeps anyway, so a busy server costs no eventfd write per hand-back.
final class HandBackQueue: Sendable {
    private struct State {
        var connections: [Connection] = []
        /// The reactor said it may sleep, and has not taken the queue since.
        var reactorMaySleep = false
        /// The eventfd was written since the reactor last took the queue.
        var signalled = false
    }

    private let state = Locked(State())
    let wakeEvent: EventFD

    init() throws(Errno) {
        wakeEvent = try EventFD()
    }

    /// Called by a worker when it is done with `connection`.
    func handBack(_ connection: Connection) {
        let wake = state.withLock { state in
            state.connections.append(connection)
            guard state.reactorMaySleep && !state.signalled else { return false }
            state.signalled = true
            return true
        }
        if wake { wakeEvent.signal() }
    }

    /// Called by the reactor just before `epoll_wait`: whether it may sleep (nothing is handed
    /// back yet); from now until it takes the queue, a hand-back writes the eventfd.
    func mayWait() -> Bool {
        state.withLock { state in
            guard state.connections.isEmpty else { return false }
            state.reactorMaySleep = true
            return true
        }
    }

    /// Called by the reactor after `epoll_wait`: everything handed back so far, in order.
    /// `spare` is an empty array whose storage the queue takes over, so steady state allocates
    /// nothing.
    func takeAll(swappingWith spare: inout [Connection]) {
        state.withLock { state in
            swap(&state.connections, &spare)
            state.reactorMaySleep = false
            state.signalled = false
        }
    }
}
