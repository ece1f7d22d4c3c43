/// A value that several threads share, guarded by a pthread mutex: `Mutex` from the
/// Synchronization module, in a form ThreadSanitizer understands.
///
/// Invariant: the value is only read or written inside `withLock`, by one thread at a time.
/// (On Linux, `Synchronization.Mutex` waits with raw futex calls that ThreadSanitizer cannot
/// see, so every access it guards is reported as a race; pthread mutexes are intercepted.)
public final class Locked<Value>: @unchecked Sendable {
    @usableFromInline let lock = Lock()
    /// The value lives behind a pointer, not in a stored `var`: Swift checks every access to a
    /// class's stored `var` for exclusivity at run time (`swift_beginAccess`, a thread-local
    /// lookup), and here the lock already makes each access exclusive.
    @usableFromInline let value: UnsafeMutablePointer<Value>

    public init(_ value: Value) {
        self.value = .allocate(capacity: 1)
        self.value.initialize(to: value)
    }

    deinit {
        value.deinitialize(count: 1)
        value.deallocate()
    }

    /// Runs `body` with exclusive access to the value. Never call back into code that may take
    /// the same lock from `body`. Inlinable, so that it is specialized for the caller's types.
    @inlinable
    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        try lock.withLock { () throws(Failure) -> Result in try body(&value.pointee) }
    }
}
