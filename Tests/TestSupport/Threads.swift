import Glibc
import Synchronization
import ThreadPool

/// A shared counter for jobs running on other threads.
public final class Counter: Sendable {
    private let storage = Atomic<Int>(0)

    public init() {}

    public var value: Int { storage.load(ordering: .acquiring) }

    public func increment() { add(1) }

    public func add(_ amount: Int) { storage.add(amount, ordering: .acquiringAndReleasing) }
}

/// A one-way flag, set by one thread and read by others.
public final class Flag: Sendable {
    private let storage = Atomic<Bool>(false)

    public init() {}

    public var isSet: Bool { storage.load(ordering: .acquiring) }

    public func set() { storage.store(true, ordering: .releasing) }
}

/// The calling thread's pthread id, comparable across threads.
public func currentThreadID() -> UInt { UInt(pthread_self()) }

/// The calling thread's name as the kernel keeps it (/proc/thread-self/comm).
public func currentThreadName() -> String {
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
public func runThreads(
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
