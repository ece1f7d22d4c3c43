import Glibc

/// A failed system call: the `errno` it set and the name of the call.
///
/// Invariant: `code` is never EINTR (retried where it happens), nor EAGAIN on a call whose
/// would-block case is a result (`IOResult.wouldBlock`), nor EBADF or EFAULT (programmer
/// errors, which trap), so an `Errno` is always a real failure of the call. The policy is
/// written once, in `retryingInterruptsOrBlocked`; it follows swift-nio's `System.swift`.
public struct Errno: Error, Equatable, CustomStringConvertible, Sendable {
    public let code: Int32
    public let call: String

    public init(_ code: Int32, _ call: String) {
        self.code = code
        self.call = call
    }

    /// The C library's text for the code, such as "Address already in use".
    public var reason: String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }

    public var description: String { "\(call): \(reason)" }

    public static func == (lhs: Errno, rhs: Errno) -> Bool { lhs.code == rhs.code }
}

/// Runs `body` until it does not fail with EINTR; returns its result or throws the
/// errno it left. `body` returns -1 on failure, as the C calls do.
@inline(__always)
func retryingInterrupts<T: BinaryInteger>(_ call: String, _ body: () -> T) throws(Errno) -> T {
    // Never nil: with `blocked: false` EAGAIN is thrown like any other errno.
    try retryingInterruptsOrBlocked(call, blocked: false, body)!
}

/// Like `retryingInterrupts`, for a call on a descriptor that may be non-blocking: EAGAIN
/// (EWOULDBLOCK) is a result, `nil`, not an error.
@inline(__always)
func retryingInterruptsUnlessWouldBlock<T: BinaryInteger>(_ call: String, _ body: () -> T) throws(Errno) -> T? {
    try retryingInterruptsOrBlocked(call, blocked: true, body)
}

/// The errno policy, in one place (swift-nio's `System.swift` is the model): EINTR is retried;
/// EAGAIN is `nil` when `blocked` says it is a result; EBADF and EFAULT trap, because they
/// mean the program passed a closed descriptor or a bad pointer, a bug that must not be taken
/// for a client's failure; every other errno is thrown.
@inline(__always)
private func retryingInterruptsOrBlocked<T: BinaryInteger>(_ call: String, blocked: Bool, _ body: () -> T) throws(Errno) -> T? {
    while true {
        let result = body()
        if result >= 0 { return result }
        let code = errno
        switch code {
        case EINTR: continue
        case EAGAIN where blocked, EWOULDBLOCK where blocked: return nil
        case EBADF, EFAULT: preconditionFailure("\(call): \(Errno(code, call).reason): a programmer error")
        default: throw Errno(code, call)
        }
    }
}
