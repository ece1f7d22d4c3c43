import Glibc
import LinuxIO
import Synchronization
import ThreadPool

/// A shared counter for jobs running on other threads.
final class Counter: Sendable {
    private let storage = Atomic<Int>(0)

    var value: Int { storage.load(ordering: .acquiring) }

    func increment() { add(1) }

    func add(_ amount: Int) { storage.add(amount, ordering: .acquiringAndReleasing) }
}

/// A one-way flag, set by one thread and read by others.
final class Flag: Sendable {
    private let storage = Atomic<Bool>(false)

    var isSet: Bool { storage.load(ordering: .acquiring) }

    func set() { storage.store(true, ordering: .releasing) }
}

/// Polls `condition` every millisecond until it holds or `seconds` pass; returns whether it
/// held. Every wait in these tests goes through here, so a broken pool fails a test instead
/// of hanging it.
func eventually(within seconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = monotonicSeconds() + seconds
    while true {
        if condition() { return true }
        if monotonicSeconds() >= deadline { return false }
        usleep(1_000)
    }
}

func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// The calling thread's pthread id, comparable across threads.
func currentThreadID() -> UInt { UInt(pthread_self()) }

/// The calling thread's name as the kernel keeps it (/proc/thread-self/comm).
func currentThreadName() -> String {
    let fd = open("/proc/thread-self/comm", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 64)
    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    guard count > 0 else { return "" }
    var text = String(decoding: buffer[0..<count], as: UTF8.self)
    if text.hasSuffix("\n") { text.removeLast() }
    return text
}

/// Starts `count` threads running `body(index)` and waits (bounded) for all of them to
/// finish; joins them only when they did, so a stuck thread fails the test rather than
/// hanging it. Returns whether every thread finished in time.
@discardableResult
func runThreads(
    _ count: Int, within seconds: Double = 10, name: String = "test",
    _ body: @escaping @Sendable (Int) -> Void
) throws -> Bool {
    let finished = Counter()
    var threads: [JoinableThread] = []
    for index in 0..<count {
        threads.append(try JoinableThread(name: "\(name)-\(index)") {
            body(index)
            finished.increment()
        })
    }
    let allFinished = eventually(within: seconds) { finished.value == count }
    if allFinished {
        for thread in threads { thread.join() }
    }
    return allFinished
}

extension Locked {
    /// A copy of the value, read under the lock.
    var value: Value { withLock { $0 } }
}
