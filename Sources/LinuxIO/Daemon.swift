import CLinux
import Glibc

/// Detaching into the background the classic Unix way (fork, setsid, fork, umask, chdir,
/// standard streams to /dev/null), with a pipe through which the daemon tells the launching
/// process whether it came up.
///
/// Invariant: `detach()` must be called before the process has any thread but the main one:
/// after fork(2) only the calling thread exists in the child, and a lock another thread held
/// would stay locked forever.
public enum Daemon {
    /// Which process `detach()` returned in.
    public enum Role: ~Copyable {
        /// The launching process, after the daemon reported: serving (with its pid), or its error
        /// line. The launcher should exit now.
        case launcher(Report)
        /// The daemon, which must `report` once it serves (or fails).
        case daemon(Readiness)
    }

    /// What the daemon told the launcher.
    public enum Report: Sendable, Equatable {
        case serving(daemonPID: Int32)
        case failed(String)
    }

    /// The daemon's end of the pipe to the launcher.
    public struct Readiness: ~Copyable {
        let descriptor: FileDescriptor

        /// Tells the launcher the daemon serves; the launcher then exits 0.
        public consuming func reportReady() { send("ready \(getpid())\n") }

        /// Tells the launcher what went wrong; the launcher prints it and exits 1.
        public consuming func reportFailure(_ message: String) { send("error: \(message)\n") }

        private func send(_ text: String) {
            let bytes = Array(text.utf8)
            _ = bytes.withUnsafeBytes { write(descriptor.rawValue, $0.baseAddress, $0.count) }
        }
    }

    public static func detach() throws(Errno) -> Role {
        var ends: [Int32] = [0, 0]
        _ = try retryingInterrupts("pipe2") { clinux_pipe_cloexec(&ends) }
        let readEnd = FileDescriptor(owning: ends[0])
        let writeEnd = FileDescriptor(owning: ends[1])
        let first = try retryingInterrupts("fork") { fork() }
        if first > 0 {
            writeEnd.close()
            var status: Int32 = 0
            _ = waitpid(first, &status, 0)  // the intermediate child exits at once
            return .launcher(awaitReport(readEnd))
        }
        // The intermediate child: a new session without a controlling terminal, then a second
        // fork so the daemon is not a session leader and can never acquire a terminal again.
        readEnd.close()
        _ = setsid()
        let second = fork()
        if second != 0 { _exit(second > 0 ? 0 : 1) }
        _ = umask(0o022)
        _ = chdir("/")
        redirectStandardStreams()
        closeInheritedDescriptors()
        return .daemon(Readiness(descriptor: writeEnd))
    }

    /// Reads the daemon's one line; the pipe closing without one means it died.
    private static func awaitReport(_ pipe: borrowing FileDescriptor) -> Report {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 512)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(pipe.rawValue, $0.baseAddress, $0.count) }
            if count > 0 { received.append(contentsOf: chunk[0..<count]); continue }
            if count < 0 && errno == EINTR { continue }
            break
        }
        let text = String(decoding: received, as: UTF8.self)
        if text.hasPrefix("ready "), let pid = Int32(text.dropFirst(6).prefix { $0 != "\n" }) { return .serving(daemonPID: pid) }
        if text.hasPrefix("error: ") { return .failed(String(text.dropFirst(7).prefix { $0 != "\n" })) }
        return .failed("the daemon exited before it was serving")
    }

    /// Closes every descriptor above the standard streams that this process inherited rather
    /// than opened (daemon(7)): a pipe or socket the launcher's parent passed down would
    /// otherwise stay open as long as the daemon lives, and whoever waits for its other end to
    /// close would wait with it. Inherited descriptors are exactly those without FD_CLOEXEC;
    /// everything this program opens (listener, logs, the readiness pipe) has it.
    private static func closeInheritedDescriptors() {
        let inherited = (OpenDescriptors.list() ?? []).filter { fd in
            let flags = fcntl(fd, F_GETFD)
            return fd > STDERR_FILENO && flags >= 0 && flags & FD_CLOEXEC == 0
        }
        for fd in inherited { close(fd) }
    }

    private static func redirectStandardStreams() {
        let null = open("/dev/null", O_RDWR)
        guard null >= 0 else { return }
        for stream in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] { _ = dup2(null, stream) }
        if null > STDERR_FILENO { close(null) }
    }
}
