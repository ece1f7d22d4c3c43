import CLinux
import Glibc
import TestSupport

/// A program the tests run as a child process, started with posix_spawn(3) and reaped with
/// waitpid(2): its standard input is /dev/null, its stdout and stderr are pipes collected
/// into `stdout` and `stderr`.
///
/// Not with Foundation's `Process`: its `run()` trips AddressSanitizer (a heap-buffer-overflow
/// in Foundation's `findMaximumOpenFromProcSelfFD`, reading a dirent past its allocation), and
/// it hands the child a socket that only closes once every process holding it has exited.
///
/// Invariant: the child holds exactly descriptors 0, 1 and 2 (and those `inheriting` maps),
/// with default signal dispositions and an empty signal mask, whatever this process holds,
/// ignores or blocks; the parent keeps neither pipe's write end, so each `Output` reaches EOF
/// once the child (and whatever it handed the pipes to) has closed them. `outcome` is set by
/// the one waitpid(2) that reaps the child, and once it is set the pid is never signalled
/// again (it may already name another process).
final class ChildProcess {
    let pid: pid_t
    let stdout: ServerProcess.Output
    let stderr: ServerProcess.Output
    /// How the child ended, once reaped.
    private(set) var outcome: ServerProcess.Outcome?

    /// Starts `executable` with `arguments` (argv[0] included) and this process's environment,
    /// in `directory` if one is given. `inheriting` maps descriptor numbers in the child (3 or
    /// more) to this process's descriptors they duplicate. Does not wait for anything.
    init(executable: String, arguments: [String], directory: String? = nil, inheriting: [Int32: Int32] = [:]) throws {
        let out = try Self.pipe()
        let err: (read: Int32, write: Int32)
        do { err = try Self.pipe() } catch {
            close(out.read)
            close(out.write)
            throw error
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var failures: [String] = []
        func check(_ result: Int32, _ what: String) {
            if result != 0 { failures.append("\(what): \(String(cString: strerror(result)))") }
        }
        if let directory {
            if let addchdir = GNUSpawn.addchdir {
                check(addchdir(&actions, directory), "addchdir_np")
            } else {
                failures.append("posix_spawn_file_actions_addchdir_np is missing (glibc before 2.29)")
            }
        }
        check(posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0), "addopen")
        check(posix_spawn_file_actions_adddup2(&actions, out.write, 1), "adddup2")
        check(posix_spawn_file_actions_adddup2(&actions, err.write, 2), "adddup2")
        // dup2 clears FD_CLOEXEC on the copy; everything else from 3 up is closed, in order
        // after the copies are made, so the pipes' own descriptors go too. Without
        // addclosefrom_np (glibc before 2.34) the descriptors from 3 up that this process
        // opened with FD_CLOEXEC (the pipes, LinuxIO's sockets) still close on exec.
        var next: Int32 = 3
        for (target, source) in inheriting.sorted(by: { $0.key < $1.key }) {
            precondition(target >= next, "inherited descriptors are numbered 3 and up")
            check(posix_spawn_file_actions_adddup2(&actions, source, target), "adddup2")
            for unused in next..<target { check(posix_spawn_file_actions_addclose(&actions, unused), "addclose") }
            next = target + 1
        }
        if let addclosefrom = GNUSpawn.addclosefrom { check(addclosefrom(&actions, next), "addclosefrom_np") }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        check(posix_spawnattr_setsigmask(&attributes, &noSignals), "setsigmask")
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        sigdelset(&allSignals, SIGKILL)
        sigdelset(&allSignals, SIGSTOP)
        check(posix_spawnattr_setsigdefault(&attributes, &allSignals), "setsigdefault")
        check(posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)), "setflags")

        var spawned = EINVAL
        var pid: pid_t = 0
        if failures.isEmpty {
            var cArguments = arguments.map { strdup($0) }
            cArguments.append(nil)
            defer { for argument in cArguments { free(argument) } }
            spawned = posix_spawn(&pid, executable, &actions, &attributes, cArguments, environ)
        }
        close(out.write)
        close(err.write)
        guard failures.isEmpty, spawned == 0 else {
            close(out.read)
            close(err.read)
            let reason = failures.isEmpty ? String(cString: strerror(spawned)) : failures.joined(separator: ", ")
            throw TestFailure("cannot start \(executable) \(arguments.dropFirst()): posix_spawn: \(reason)")
        }
        self.pid = pid
        stdout = ServerProcess.Output(reading: out.read)
        stderr = ServerProcess.Output(reading: err.read)
    }

    /// SIGKILLs the child unless it was reaped, and reaps it (bounded).
    deinit { killAndReap() }

    /// Whether the child has not exited yet; reaps it (WNOHANG) if it has.
    var isRunning: Bool {
        if outcome != nil { return false }
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == 0 { return true }
            if result == pid {
                outcome = Self.outcome(of: status)
                return false
            }
            if errno == EINTR { continue }
            // ECHILD: nothing in these tests reaps another's children, so this cannot happen;
            // the child is gone all the same.
            outcome = .exited(-1)
            return false
        }
    }

    /// kill(2) the child with `signal` unless it was reaped.
    func signal(_ signal: Int32) {
        if outcome == nil { kill(pid, signal) }
    }

    /// Waits up to `timeout` seconds for the child to exit and reaps it; nil if it still runs.
    func waitForExit(timeout: Double) -> ServerProcess.Outcome? {
        _ = eventually(within: timeout) { !isRunning }
        return outcome
    }

    /// SIGKILLs the child unless it was reaped, and waits up to `timeout` seconds to reap it.
    func killAndReap(timeout: Double = 5) {
        guard isRunning else { return }
        kill(pid, SIGKILL)
        _ = waitForExit(timeout: timeout)
    }

    /// An exit or a signal, from a waitpid(2) status (WIFEXITED, WEXITSTATUS, WTERMSIG).
    static func outcome(of status: Int32) -> ServerProcess.Outcome {
        status & 0x7F == 0 ? .exited((status >> 8) & 0xFF) : .signaled(status & 0x7F)
    }

    /// A pipe whose ends both close on exec (the child gets only the dup2'd copies).
    private static func pipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        guard clinux_pipe_cloexec(&ends) == 0 else { throw TestFailure("pipe2 failed: \(String(cString: strerror(errno)))") }
        return (ends[0], ends[1])
    }
}

/// posix_spawn(3)'s GNU file actions, which Swift's Glibc module leaves out (spawn.h declares
/// them only under _GNU_SOURCE), looked up in the C library at run time; nil where it lacks them.
private enum GNUSpawn {
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// posix_spawn_file_actions_addchdir_np (glibc 2.29).
    static let addchdir: AddChdir? = symbol("posix_spawn_file_actions_addchdir_np")
    /// posix_spawn_file_actions_addclosefrom_np (glibc 2.34).
    static let addclosefrom: AddClosefrom? = symbol("posix_spawn_file_actions_addclosefrom_np")

    private static func symbol<Function>(_ name: String) -> Function? {
        // A nil handle is RTLD_DEFAULT: the global scope, where libc is.
        guard let address = dlsym(nil, name) else { return nil }
        return unsafeBitCast(address, to: Function.self)
    }
}
