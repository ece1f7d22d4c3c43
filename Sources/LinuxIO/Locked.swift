/// A value that several threads share, guarded by a pthread mutex: `Mutex` from the
/// Synchronization module, in a form ThreadSanitizer understands.
///
/// Invariant: `value` is only read or written inside `withLock`, by one thread at a time.
/// (On Linux, `Synchronization.Mutex` waits with raw futex calls that ThreadSanitizer cannot
/// see, so every access it guards is reported as a race; pthread mutexes are intercepted.)
public final class Locked<Value>: @unchecked Sendable {
    // `value` is guarded by `lock`.
    private let lock = Lock()
    private var value: Value

    public init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with exclusive access to the value. Never call back into code that may take
    /// the same lock from `body`.
    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        try lock.withLock { () throws(Failure) -> Result in try body(&value) }
    }
}
