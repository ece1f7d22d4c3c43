import Glibc
import LinuxIO

/// An operating-system thread running one closure, which its creator can wait for.
///
/// Invariant: `join()` waits at most once for the thread; a thread is either joined or, when
/// the last reference goes without a join, detached, so its resources are always reclaimed.
public final class JoinableThread: @unchecked Sendable {
    // `handle` never changes after init; `phase` is only touched under `state`.
    private let handle: pthread_t
    private let state = Lock()
    private var phase = Phase.running

    /// Where the one pthread_join(3) stands: not begun, under way in some thread, done.
    private enum Phase { case running, joining, joined }

    /// Why a thread could not be created.
    public struct SpawnError: Error, Sendable, CustomStringConvertible {
        public let code: Int32
        public var description: String { "pthread_create failed with error \(code)" }
    }

    /// Starts a thread named `name` (at most 15 bytes are kept, as Linux allows) running `body`.
    public init(name: String, _ body: @escaping @Sendable () -> Void) throws(SpawnError) {
        let box = Unmanaged.passRetained(ThreadBody(name: name, body: body))
        var handle = pthread_t()
        let result = pthread_create(&handle, nil, { raw in
            let body = Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue()
            body.run()
            return nil
        }, box.toOpaque())
        guard result == 0 else {
            box.release()
            throw SpawnError(code: result)
        }
        self.handle = handle
    }

    /// Whether the caller is running on this thread.
    public var isCurrent: Bool { pthread_equal(pthread_self(), handle) != 0 }

    /// Waits for the thread's closure to return. Several threads may join at once: one of
    /// them calls pthread_join(3), the others wait until it has returned. Calling it again
    /// once joined, or from the thread itself, returns at once.
    public func join() {
        if isCurrent { return }
        let shouldJoin = state.withLock { () -> Bool in
            switch phase {
            case .running:
                phase = .joining
                return true
            case .joining:
                while phase == .joining { state.wait() }
                return false
            case .joined:
                return false
            }
        }
        guard shouldJoin else { return }
        pthread_join(handle, nil)
        state.withLock {
            phase = .joined
            state.broadcast()
        }
    }

    deinit {
        // A join under way holds a reference, so `phase` is `.running` or `.joined` here.
        if phase == .running { pthread_detach(handle) }
    }
}

/// The closure a new thread runs, boxed so it can cross `pthread_create`'s `void *`.
private final class ThreadBody {
    let name: String
    let body: @Sendable () -> Void

    init(name: String, body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
    }

    func run() {
        nameCurrentThread(name)
        body()
    }
}
