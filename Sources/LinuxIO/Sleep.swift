import Glibc

/// Waiting on the calling thread.
///
/// Invariant: a wait returns only once the whole time has passed, however many signals
/// interrupt it (nanosleep(2) is resumed with the time that remained).
public enum Sleep {
    /// nanosleep(2) for `duration`, resumed after signals until the whole time has passed.
    public static func `for`(_ duration: Duration) {
        let nanoseconds = duration.wholeNanoseconds
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR {
            request = remaining
        }
    }
}
