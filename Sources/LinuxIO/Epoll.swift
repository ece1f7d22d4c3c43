import CLinux
import Glibc

/// The readiness conditions epoll reports and the flags a registration takes (epoll_ctl(2)).
public struct EpollEvents: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// EPOLLIN: data to read, a connection to accept, or end of file.
    public static let readable = EpollEvents(rawValue: EPOLLIN.rawValue)
    /// EPOLLOUT: room in the send buffer.
    public static let writable = EpollEvents(rawValue: EPOLLOUT.rawValue)
    /// EPOLLRDHUP: the peer shut down its sending side.
    public static let readHangUp = EpollEvents(rawValue: EPOLLRDHUP.rawValue)
    /// EPOLLHUP: both directions are gone (always reported).
    public static let hangUp = EpollEvents(rawValue: EPOLLHUP.rawValue)
    /// EPOLLERR: an error is pending on the socket (always reported).
    public static let error = EpollEvents(rawValue: EPOLLERR.rawValue)
    /// EPOLLET: report changes of readiness (edges) instead of readiness itself (level).
    public static let edgeTriggered = EpollEvents(rawValue: EPOLLET.rawValue)
}

/// An epoll instance (epoll_create1(2)): the kernel's watch list of descriptors and the wait
/// for their readiness.
///
/// Invariant: each registration carries a caller-chosen 64-bit token, returned with its
/// events, so the caller can tell a stale event for a reused descriptor from a live one.
public struct Epoll: ~Copyable, Sendable {
    public let descriptor: FileDescriptor

    public init() throws(Errno) {
        let fd = try retryingInterrupts("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
        descriptor = FileDescriptor(owning: fd)
    }

    /// EPOLL_CTL_ADD: starts watching `fd` for `events`, reporting `token`.
    public func add(_ fd: Int32, events: EpollEvents, token: UInt64) throws(Errno) {
        try control(EPOLL_CTL_ADD, fd, events, token, "epoll_ctl(ADD)")
    }

    /// EPOLL_CTL_DEL: stops watching `fd` (closing a descriptor does this by itself).
    public func remove(_ fd: Int32) throws(Errno) {
        try control(EPOLL_CTL_DEL, fd, [], 0, "epoll_ctl(DEL)")
    }

    private func control(_ operation: Int32, _ fd: Int32, _ events: EpollEvents, _ token: UInt64, _ call: String) throws(Errno) {
        var event = epoll_event()
        event.events = events.rawValue
        event.data.u64 = token
        _ = try retryingInterrupts(call) { epoll_ctl(descriptor.rawValue, operation, fd, &event) }
    }

    /// epoll_wait(2): waits up to `timeoutMilliseconds` (-1: no limit) and fills `buffer`
    /// from the front; returns how many events arrived (0 on a time-out or a signal, so the
    /// caller recomputes its timeout rather than wait the whole of it again).
    ///
    /// It cannot fail at run time: its other errors (EBADF, EFAULT, EINVAL) are all a program's
    /// bug, and trap as the errno policy says, instead of a retry loop that would spin forever.
    public func wait(into buffer: inout EpollEventBuffer, timeoutMilliseconds: Int32) -> Int {
        let count = buffer.events.withUnsafeMutableBufferPointer { events in
            epoll_wait(descriptor.rawValue, events.baseAddress, Int32(events.count), timeoutMilliseconds)
        }
        if count >= 0 { return Int(count) }
        let code = errno
        if code == EINTR { return 0 }
        preconditionFailure("epoll_wait: \(Errno(code, "epoll_wait").reason): a programmer error")
    }
}

/// The events one `epoll_wait` returns, in a buffer reused from wait to wait.
public struct EpollEventBuffer {
    fileprivate var events: [epoll_event]

    public init(capacity: Int) {
        events = [epoll_event](repeating: epoll_event(), count: capacity)
    }

    /// The token and events of the `index`th event of the last wait.
    public subscript(index: Int) -> (token: UInt64, events: EpollEvents) {
        (events[index].data.u64, EpollEvents(rawValue: events[index].events))
    }
}
