import Foundation
import LinuxIO

/// A blocking call run on a thread of its own; `wait` is bounded, so a stuck call fails the
/// test instead of hanging it.
public final class Background<Value: Sendable>: Sendable {
    private let result = Locked<Result<Value, any Error>?>(nil)

    public init(_ body: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [self] in
            let outcome = Result(catching: body)
            result.withLock { $0 = outcome }
        }
        thread.start()
    }

    /// The call's result, once it has returned within `timeout` seconds; throws otherwise.
    public func wait(timeout: Double) throws -> Value {
        guard eventually(within: timeout, { result.withLock { $0 != nil } }) else {
            throw TestFailure("background call still running after \(timeout) s")
        }
        return try result.withLock { $0! }.get()
    }
}
