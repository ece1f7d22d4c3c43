import Glibc
import HTTP1
import LinuxIO
import Synchronization
import ThreadPool

/// The access log: one Common Log Format line per response, written off the request path.
///
/// Invariant: a thread that records a line appends it to one of a few buffers picked by its
/// thread id (an uncontended lock, no syscall); the reactor keeps its own buffer and hands
/// it over at most once a second. A flusher thread writes everything at least once a second,
/// and `stop()` writes the rest, so no line is lost at a clean exit.
public final class AccessLog: Sendable {
    /// A file's path, or `nil` for standard output.
    public let path: String?
    private let descriptor: Locked<Int32>
    private let stripes = (0..<8).map { _ in Stripe() }
    private let running = Atomic<Bool>(false)
    private let flusher = Locked<JoinableThread?>(nil)

    private final class Stripe: Sendable {
        let buffer = Locked<[UInt8]>([])
    }

    /// Opens `path` for appending, or uses standard output for `-`.
    public init(path: String) throws(AccessLogError) {
        self.path = path == "-" ? nil : path
        descriptor = Locked(try Self.open(self.path))
    }

    private static func open(_ path: String?) throws(AccessLogError) -> Int32 {
        guard let path else { return STDOUT_FILENO }
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AccessLogError(path: path, reason: String(cString: strerror(errno))) }
        return fd
    }

    /// Opens the path again (after logrotate renamed the file); standard output stays.
    public func reopen() {
        guard let path, let fresh = try? Self.open(path) else { return }
        flush()
        let old = descriptor.withLock { fd in
            let old = fd
            fd = fresh
            return old
        }
        Glibc.close(old)
    }

    /// `HOST - - [TIME] "REQUEST LINE" STATUS BYTES`, with `-` for no body bytes.
    /// `escapedRequestLine` comes from `escape` or `quotedRequestLine`.
    static func line(host: String, time: String, escapedRequestLine: String, status: Int, bodyBytes: Int) -> String {
        "\(host) - - \(time) \"\(escapedRequestLine)\" \(status) \(bodyBytes == 0 ? "-" : String(bodyBytes))\n"
    }

    /// A request line as the log shows it, escaped as Apache escapes log items: `\"`, `\\`, and
    /// `\xHH` for bytes that are not printable ASCII, so the quoted field stays one field.
    static func escape(_ bytes: some Collection<UInt8>) -> String {
        guard bytes.contains(where: { $0 < 0x20 || $0 >= 0x7F || $0 == 0x22 || $0 == 0x5C }) else {
            return String(decoding: bytes, as: UTF8.self)
        }
        var text = ""
        for byte in bytes {
            switch byte {
            case 0x22: text += "\\\""
            case 0x5C: text += "\\\\"
            case 0x20..<0x7F: text.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16)
                text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return text
    }

    /// The first line of a request that failed to parse, escaped: at most 200 bytes; `-` when
    /// nothing arrived.
    static func quotedRequestLine(_ bytes: Span<UInt8>) -> String {
        var firstLine: [UInt8] = []
        var index = 0
        while index < min(bytes.count, 200) && bytes[index] != 0x0D && bytes[index] != 0x0A {
            firstLine.append(bytes[index])
            index += 1
        }
        return firstLine.isEmpty ? "-" : escape(firstLine)
    }

    /// Records a line from any thread.
    func record(_ line: String) {
        let hash = UInt(bitPattern: Int(bitPattern: UInt(pthread_self()))) &* 0x9E37_79B9_7F4A_7C15
        stripes[Int(hash >> 61) % stripes.count].buffer.withLock { $0.append(contentsOf: line.utf8) }
    }

    /// Takes a whole buffer of lines at once (the reactor's, once a second).
    func submit(_ lines: inout [UInt8]) {
        guard !lines.isEmpty else { return }
        stripes[0].buffer.withLock { $0.append(contentsOf: lines) }
        lines.removeAll(keepingCapacity: true)
    }

    /// Writes every buffered line now.
    func flush() {
        for stripe in stripes {
            let bytes = stripe.buffer.withLock { buffer -> [UInt8] in
                defer { buffer.removeAll(keepingCapacity: true) }
                return buffer
            }
            guard !bytes.isEmpty else { continue }
            descriptor.withLock { fd in
                var offset = 0
                while offset < bytes.count {
                    let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
                    if written < 0 && errno == EINTR { continue }
                    guard written > 0 else { return }
                    offset += written
                }
            }
        }
    }

    /// Starts the flusher thread (after any fork: it is a thread).
    func start() {
        guard !running.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let thread = try? JoinableThread(name: "access-log") { [self] in
            var ticks = 0
            while running.load(ordering: .acquiring) {
                Sleep.milliseconds(100)
                ticks += 1
                if ticks % 10 == 0 { flush() }
            }
        }
        flusher.withLock { $0 = thread }
    }

    /// Stops the flusher and writes what is left.
    func stop() {
        running.store(false, ordering: .releasing)
        flusher.withLock { $0 }?.join()
        flush()
    }
}

/// The access log file could not be opened.
public struct AccessLogError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot open access log \(path): \(reason)" }
}
