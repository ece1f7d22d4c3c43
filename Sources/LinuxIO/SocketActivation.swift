import CLinux
import Glibc

/// The listening sockets a service manager passed down (sd_listen_fds(3)): systemd, or
/// `systemd-socket-activate`, binds the socket itself and starts the server with it as
/// descriptor 3, `LISTEN_FDS=1` and `LISTEN_PID` set to the server's pid.
///
/// Invariant: the variables are honoured only when `LISTEN_PID` names this process (they may
/// have been meant for a parent), and are removed from the environment once read, so nothing
/// this process starts takes them for its own; the descriptor is adopted only once it is
/// checked to be a listening TCP socket.
public enum SocketActivation {
    /// The first descriptor passed (SD_LISTEN_FDS_START).
    public static let firstDescriptor: Int32 = 3

    /// The inherited listener, set to close on exec and to the blocking mode asked for, or `nil`
    /// when no sockets were passed to this process.
    public static func inheritedListener(nonBlocking: Bool) throws(SocketActivationError) -> Socket? {
        let pidText = variable("LISTEN_PID"), countText = variable("LISTEN_FDS"), names = variable("LISTEN_FDNAMES")
        unsetenv("LISTEN_PID")
        unsetenv("LISTEN_FDS")
        unsetenv("LISTEN_FDNAMES")
        guard let pidText, let countText else { return nil }
        guard let pid = Int32(pidText), pid > 0 else { throw .malformed("LISTEN_PID=\(pidText)") }
        guard pid == getpid() else { return nil }
        guard let count = Int(countText), count >= 0 else { throw .malformed("LISTEN_FDS=\(countText)") }
        if count == 0 { return nil }
        guard count == 1 else { throw .tooMany(count, names: names) }
        let fd = firstDescriptor
        try check(fd)
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0,
              fcntl(fd, F_SETFD, FD_CLOEXEC) == 0,
              fcntl(fd, F_SETFL, nonBlocking ? flags | O_NONBLOCK : flags & ~O_NONBLOCK) == 0
        else { throw .unusable(Errno(errno, "fcntl").reason) }
        return Socket(FileDescriptor(owning: fd))
    }

    /// Refuses a descriptor that is not an open, listening TCP socket (IPv4 or IPv6).
    private static func check(_ fd: Int32) throws(SocketActivationError) {
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw .unusable("descriptor \(fd) is not open") }
        guard status.st_mode & S_IFMT == S_IFSOCK else { throw .unusable("descriptor \(fd) is not a socket") }
        let domain = option(fd, SO_DOMAIN), type = option(fd, SO_TYPE), listening = option(fd, SO_ACCEPTCONN)
        guard domain == AF_INET || domain == AF_INET6 else {
            throw .unusable("descriptor \(fd) is not an IPv4 or IPv6 socket (a Unix socket?)")
        }
        guard type == CLINUX_SOCK_STREAM else { throw .unusable("descriptor \(fd) is not a TCP socket (ListenDatagram?)") }
        guard listening == 1 else { throw .unusable("descriptor \(fd) is a TCP socket that is not listening") }
    }

    private static func option(_ fd: Int32, _ name: Int32) -> Int32? {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, name, &value, &length) == 0 ? value : nil
    }

    private static func variable(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}

/// Why an inherited listener cannot be served: `error: socket activation: REASON`.
///
/// Invariant: `description` is one line naming what was passed and what was wrong with it.
public enum SocketActivationError: Error, CustomStringConvertible, Equatable {
    case malformed(String)
    case tooMany(Int, names: String?)
    case unusable(String)

    public var description: String {
        switch self {
        case .malformed(let variable): "socket activation: \(variable) is not a number"
        case .tooMany(let count, let names):
            "socket activation: \(count) sockets were passed\(names.map { " (\($0))" } ?? ""); hello-server serves exactly one (one ListenStream= in the .socket unit)"
        case .unusable(let reason): "socket activation: \(reason)"
        }
    }
}
