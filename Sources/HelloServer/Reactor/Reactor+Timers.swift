import LinuxIO

/// The reactor's deadlines: how long epoll_wait may sleep, arming, and what expiry does.
extension Reactor {
    /// How long epoll_wait may sleep: until the nearest deadline (-1: none). Computed without
    /// building an array, since it runs on every loop iteration.
    func timeoutMilliseconds() -> Int32 {
        let never = Instant(nanoseconds: .max)
        let nearest = min(timers.next ?? never, resumeAcceptingAt ?? never, graceDeadline ?? never)
        return nearest == never ? -1 : nearest.remainingMilliseconds
    }

    /// Arms the connection's one timer (see `Timers`), from now.
    mutating func arm(_ kind: Timers.Kind, _ connection: Connection) {
        connection.timerStamp = timers.arm(kind, slot: connection.slot, now: .now)
    }

    /// Stops whatever timer the connection had (its entries become stale).
    mutating func disarmTimer(_ connection: Connection) {
        connection.timerStamp = timers.disarm()
    }

    mutating func expireTimers() {
        let now = Instant.now
        // Collected first and acted on after: acting may arm new timers in the same queues.
        var due = expired
        expired = []
        timers.expire(now: now, into: &due)
        for (slot, stamp, kind) in due {
            guard let connection = live(slot, stamp) else { continue }
            switch (kind, connection.state) {
            case (.request, .reading(.unused)):
                context.stats.unusedTimeouts.add()
                close(connection)  // not a byte since acceptance: no 408, no access log line
            case (.request, .reading):
                context.stats.headTimeouts.add()
                clientTimedOut(connection)
            case (.request, .writing):
                context.stats.writeTimeouts.add()
                close(connection)  // no write progress for --header-timeout: abandoned
            case (.idle, .reading):
                context.stats.idleTimeouts.add()
                close(connection)
            case (.linger, _):
                close(connection)
            default:
                break
            }
        }
        due.removeAll(keepingCapacity: true)
        expired = due
        if let end = graceDeadline, end <= now {
            graceDeadline = nil
            closeWithoutRequests(keepingReaders: false)
        }
        if let resume = resumeAcceptingAt, resume <= now {
            resumeAcceptingAt = nil
            roomForConnections()
        }
    }

    private func live(_ slot: Int, _ stamp: UInt64) -> Connection? {
        guard let connection = table.connection(atSlot: slot), connection.timerStamp == stamp else { return nil }
        return connection
    }
}
