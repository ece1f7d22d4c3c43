import Glibc

/// poll(2) over a few descriptors, for the blocking modes' bounded waits.
///
/// Invariant: a wait never exceeds its timeout plus scheduling delay; EINTR restarts the
/// wait with the time that is left, never the whole timeout again.
public enum Poll {
    /// Which readiness to wait for or that was seen.
    public struct Events: OptionSet, Sendable {
        public let rawValue: Int16
        public init(rawValue: Int16) { self.rawValue = rawValue }
        public static let readable = Events(rawValue: Int16(POLLIN))
        public static let writable = Events(rawValue: Int16(POLLOUT))
        /// Error or hang-up: always reported, whatever was asked for.
        public static let hangUp = Events(rawValue: Int16(POLLHUP | POLLERR | POLLNVAL))
    }

    /// Waits until one of `descriptors` is ready for its events or `deadline` passes; returns
    /// what each one saw (all empty on a timeout).
    public static func wait(
        _ descriptors: [(fd: Int32, events: Events)], until deadline: Instant
    ) throws(Errno) -> [Events] {
        var fds = descriptors.map { pollfd(fd: $0.fd, events: $0.events.rawValue, revents: 0) }
        while true {
            let count = Glibc.poll(&fds, nfds_t(fds.count), deadline.remainingMilliseconds)
            if count >= 0 { return fds.map { Events(rawValue: $0.revents) } }
            if errno != EINTR { throw Errno(errno, "poll") }
        }
    }
}
