import Glibc

/// Waiting on the calling thread.
///
/// Invariant: a wait returns only once the whole time has passed, however many signals
/// interrupt it (nanosleep(2) is resumed with the time that remained).
public enum Sleep {
    /// nanosleep(2) for `milliseconds`, resumed after signals until the whole time has passed.
    public static func milliseconds(_ milliseconds: Int) {
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR {
            request = remaining
        }
    }
}
