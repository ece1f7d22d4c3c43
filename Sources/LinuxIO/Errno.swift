import Glibc

/// A failed system call: the `errno` it set and the name of the call.
///
/// Invariant: `code` is never EINTR (retried where it happens) nor EAGAIN on a call
/// whose would-block case is a result (`IOResult.wouldBlock`), so an `Errno` is always
/// a real failure. The errno policy follows swift-nio's `System.swift`.
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
    while true {
        let result = body()
        if result >= 0 { return result }
        let code = errno
        if code == EINTR { continue }
        throw Errno(code, call)
    }
}
