/// What the reactor tells the status page: its own numbers, copied once per loop iteration.
extension Reactor {
    /// Copies the reactor's own numbers into the shared stats: a few relaxed stores per loop
    /// iteration, nothing per request.
    func publishStats(events count: Int) {
        let stats = context.stats
        stats.loopIterations.add()
        stats.events.add(count)
        for index in gauges.counts.indices { stats.connections[index].set(gauges.counts[index]) }
    }
}

/// How many of the reactor's connections are in each category, for the status page.
///
/// Invariant: the reactor's own (connections change state only on its thread, through
/// `Connection.enter`, which moves a count); it copies the counts into `ServerStats` once per
/// loop iteration.
struct ConnectionGauges {
    private(set) var counts = [Int](repeating: 0, count: ConnectionCategory.allCases.count)

    mutating func move(from old: ConnectionCategory?, to new: ConnectionCategory?) {
        guard old != new else { return }
        if let old { counts[old.rawValue] -= 1 }
        if let new { counts[new.rawValue] += 1 }
    }
}
