import Glibc

/// Seconds on the monotonic clock, for measuring how long a step took.
public func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// Polls `condition` every millisecond until it holds or `seconds` pass; returns whether it
/// held. Waits for a state, never for a fixed time, and always ends.
public func eventually(within seconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = monotonicSeconds() + seconds
    while true {
        if condition() { return true }
        if monotonicSeconds() >= deadline { return false }
        usleep(1_000)
    }
}
