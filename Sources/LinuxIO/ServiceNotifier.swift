import CLinux
import Glibc

/// systemd's readiness protocol (sd_notify(3)) without libsystemd: each state change is one
/// datagram of `KEY=VALUE` lines to the Unix socket `$NOTIFY_SOCKET` names (a path, or `@name`
/// for the abstract namespace). `Type=notify` units wait for `READY=1` before `systemctl start`
/// returns.
///
/// Invariant: a notifier exists only for a usable address; sending waits at most `sendTimeout`
/// for room in the manager's queue (a READY=1 dropped at a busy boot would fail the unit), never
/// raises SIGPIPE, and a lost message is an error for the caller to log, never a reason to stop.
public struct ServiceNotifier: Sendable {
    /// The socket address bytes (a `sockaddr_un`), and how many of them the address uses.
    private let address: [UInt8]
    /// `$NOTIFY_SOCKET` as given, for messages about it.
    public let socketName: String

    /// The notifier `$NOTIFY_SOCKET` asks for; `nil` when it is unset (no service manager
    /// waits). A value that is no Unix socket address is an error naming it.
    public static func fromEnvironment() throws(ServiceNotifierError) -> ServiceNotifier? {
        guard let value = getenv("NOTIFY_SOCKET").map({ String(cString: $0) }), !value.isEmpty else { return nil }
        return try ServiceNotifier(socketName: value)
    }

    public init(socketName: String) throws(ServiceNotifierError) {
        var path = Array(socketName.utf8)
        let abstract = path.first == UInt8(ascii: "@")
        if abstract {
            guard path.count > 1 else { throw .unsupported(socketName) }
            path[0] = 0  // abstract: a leading NUL, and the length says where the name ends
        } else if path.first != UInt8(ascii: "/") {
            throw .unsupported(socketName)
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
        let pathCapacity = MemoryLayout<sockaddr_un>.size - pathOffset
        // A path needs room for its NUL; an abstract name may fill sun_path.
        guard abstract ? path.count <= pathCapacity : path.count < pathCapacity else { throw .tooLong(socketName) }
        var address = [UInt8](repeating: 0, count: pathOffset + path.count)
        withUnsafeBytes(of: sa_family_t(AF_UNIX)) { family in
            for (index, byte) in family.enumerated() { address[index] = byte }
        }
        address.replaceSubrange(pathOffset..., with: path)
        self.address = address
        self.socketName = socketName
    }

    /// Sends one message, such as `READY=1` (lines joined with newlines).
    public func send(_ lines: [String]) throws(Errno) {
        let fd = try retryingInterrupts("socket(AF_UNIX)") { socket(AF_UNIX, CLINUX_SOCK_DGRAM | CLINUX_SOCK_CLOEXEC, 0) }
        let owner = FileDescriptor(owning: fd)
        var timeout = timeval(tv_sec: Int(Self.sendTimeout.components.seconds), tv_usec: 0)
        _ = try retryingInterrupts("setsockopt(SO_SNDTIMEO)") {
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        let message = Array(lines.joined(separator: "\n").utf8)
        _ = try retryingInterrupts("sendto(NOTIFY_SOCKET)") {
            message.withUnsafeBytes { bytes in
                address.withUnsafeBytes { raw in
                    sendto(owner.rawValue, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL),
                           raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
                }
            }
        }
    }

    /// How long a message may wait for room in the service manager's queue.
    public static let sendTimeout = Duration.seconds(2)

    /// CLOCK_MONOTONIC in microseconds, which systemd asks to accompany `RELOADING=1`.
    public static var monotonicMicroseconds: Int {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return now.tv_sec * 1_000_000 + now.tv_nsec / 1000
    }
}

/// Why `$NOTIFY_SOCKET` cannot be used.
///
/// Invariant: each case carries the variable's value as given, for the one-line warning.
public enum ServiceNotifierError: Error, CustomStringConvertible {
    case unsupported(String)
    case tooLong(String)

    public var description: String {
        switch self {
        case .unsupported(let value): "NOTIFY_SOCKET=\(value) is neither an absolute path nor @abstract (vsock is not supported)"
        case .tooLong(let value): "NOTIFY_SOCKET=\(value) is longer than a Unix socket path can be"
        }
    }
}
