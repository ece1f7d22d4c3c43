import CLinux
import Glibc

/// An eventfd(2) counter: a descriptor that becomes readable once anyone signals it.
///
/// Invariant: the counter only grows until `drain()` reads it back to zero, so a signal is
/// never lost: a waiter that polls after `signal()` sees it readable.
public struct EventFD: ~Copyable, Sendable {
    public let descriptor: FileDescriptor

    public init(nonBlocking: Bool = true) throws(Errno) {
        let flags = Int32(EFD_CLOEXEC) | (nonBlocking ? Int32(EFD_NONBLOCK) : 0)
        let fd = try retryingInterrupts("eventfd") { eventfd(0, flags) }
        descriptor = FileDescriptor(owning: fd)
    }

    public var rawValue: Int32 { descriptor.rawValue }

    /// Adds one to the counter, making the descriptor readable.
    public func signal() {
        var one: UInt64 = 1
        // Only fails when the counter would overflow (EAGAIN): it is readable then anyway.
        _ = withUnsafeBytes(of: &one) { Glibc.write(rawValue, $0.baseAddress, 8) }
    }

    /// Reads the counter back to zero; returns how many signals it held.
    @discardableResult
    public func drain() -> UInt64 {
        var value: UInt64 = 0
        let count = withUnsafeMutableBytes(of: &value) { Glibc.read(rawValue, $0.baseAddress, 8) }
        return count == 8 ? value : 0
    }
}
