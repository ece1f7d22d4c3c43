import Glibc
import HTTP1
import LinuxIO
import Synchronization
import ThreadPool

/// The access log: one Common Log Format line per response, written off the request path, in
/// the order the responses were sent.
///
/// Invariant: a thread that records a line appends it to its own stripe (given out
/// round-robin on its first line, so up to `stripeCount` threads never share a lock; no
/// syscall) and numbers it, under that stripe's lock, from one shared clock, so each stripe
/// holds its lines in number order. A flush reads the clock first and then takes every stripe:
/// any line numbered at or below that watermark was appended under a stripe lock the flush
/// takes later, so it is in hand. The flush writes those lines merged in number order and
/// holds the rest back for the next flush; hence the file is in number order, the order the
/// lines were recorded, which is the order the responses were committed to their sockets
/// (those of one connection in request order, since a connection's next request is parsed
/// only after its previous responses are written). A line's time is the second its number
/// carries, so times never go back down the file, unless the wall clock itself steps back by
/// more than `clockStepBack` seconds (then lines show the wall clock rather than stand still).
/// A flusher thread flushes at least once a second, and `stop()` writes everything, so no
/// line is lost at a clean exit.
public final class AccessLog: Sendable {
    /// A file's path, or `nil` for standard output.
    public let path: String?
    /// The lines held back and the flushed stripes' spare buffers; held for a
    /// whole flush, so flushes never overlap.
    private let output = Locked(Output())
    private let file: AppendOnlyFile
    /// Recording threads beyond this many (`--workers` above 15, with the reactor) share stripes.
    static let stripeCount = 16
    private let stripes = (0..<AccessLog.stripeCount).map { _ in Locked(Stripe()) }
    /// The calling thread's stripe index plus one (pthread thread-specific data).
    private let stripeKey: pthread_key_t
    private let stripesGiven = Atomic<Int>(0)
    /// The latest line's number: its second (time(2)) above `countBits`, and a count within that
    /// second below. It only grows (compare-exchanged), so a later number never has an earlier
    /// second, and numbers compare in the order they were taken.
    private let clock = Atomic<Int>(0)
    private static let countBits = 30
    private static let clockStepBack = 2
    private let running = Atomic<Bool>(false)
    private let flusher = Locked<JoinableThread?>(nil)

    private struct Output {
        /// Lines numbered above an earlier flush's watermark, in number order.
        var heldBack = NumberedLines()
        /// Swapped with each stripe's lines at a flush, so neither side allocates in steady state.
        var spares = [NumberedLines](repeating: NumberedLines(), count: AccessLog.stripeCount)
    }

    /// One thread's lines since the last flush, and the time field of the second it last
    /// wrote, formatted once per second.
    private struct Stripe {
        var lines = NumberedLines()
        var second = -1
        var time: [UInt8] = []
    }

    /// Opens `path` for appending, or uses standard output for `-`.
    public init(path: String) throws(AccessLogError) {
        self.path = path == "-" ? nil : path
        do {
            file = try self.path.map { path throws(Errno) in try AppendOnlyFile(path: path) } ?? AppendOnlyFile(standardStream: STDOUT_FILENO)
        } catch {
            throw AccessLogError(path: path, reason: error.reason)
        }
        var key = pthread_key_t()
        // Without a key (the process has used up PTHREAD_KEYS_MAX) every thread takes stripe 0.
        if pthread_key_create(&key, nil) != 0 { key = .max }
        stripeKey = key
    }

    deinit {
        if stripeKey != .max { pthread_key_delete(stripeKey) }
    }

    /// The calling thread's stripe: any stripe would keep the order, its own one keeps the lock
    /// uncontended.
    private func stripeIndex() -> Int {
        guard stripeKey != .max else { return 0 }
        if let given = pthread_getspecific(stripeKey) { return (Int(bitPattern: given) - 1) % stripes.count }
        let index = stripesGiven.add(1, ordering: .relaxed).oldValue % stripes.count
        pthread_setspecific(stripeKey, UnsafeRawPointer(bitPattern: index + 1))
        return index
    }

    /// Opens the path again (after logrotate renamed the file), writing what is buffered to
    /// the old file first; standard output stays, and so does the old file if the path cannot
    /// be opened.
    public func reopen() {
        flush()
        try? file.reopen()
    }

    /// A request line as the log shows it, escaped as Apache escapes log items: `\"`, `\\`, and
    /// `\xHH` for bytes that are not printable ASCII, so the quoted field stays one field.
    static func escape(_ bytes: some Collection<UInt8>) -> String {
        var escaped: [UInt8] = []
        appendEscaped(bytes, to: &escaped)
        return String(decoding: escaped, as: UTF8.self)
    }

    private static func needsEscape(_ byte: UInt8) -> Bool { byte < 0x20 || byte >= 0x7F || byte == 0x22 || byte == 0x5C }

    /// `text`'s bytes escaped (see `escape`), copied at once when none needs it (the usual case).
    private static func appendEscaped(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { appendEscaped($0, to: &bytes) }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func appendEscaped(_ source: some Collection<UInt8>, to bytes: inout [UInt8]) {
        guard source.contains(where: needsEscape) else {
            bytes.append(contentsOf: source)
            return
        }
        for byte in source {
            switch byte {
            case 0x22, 0x5C: bytes.append(contentsOf: [0x5C, byte])
            case 0x20..<0x7F: bytes.append(byte)
            default: bytes.append(contentsOf: [0x5C, 0x78, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]])
            }
        }
    }

    /// What a line shows between its quotes.
    enum RequestLine {
        /// A parsed request's line, escaped as it is written (no string is built for it).
        case head(RequestHead)
        /// Already escaped (`escape`): a request that could not be parsed.
        case escaped(String)

        /// The line of a refused request: its head's, or the escaped start of what it sent.
        static func refused(_ request: RequestStream.RefusedRequest) -> RequestLine {
            switch request {
            case .head(let head): .head(head)
            case .firstLine(let bytes): .escaped(bytes.isEmpty ? "-" : AccessLog.escape(bytes))
            }
        }

        /// The line of the request an event answers.
        static func answering(_ event: RequestStream.Event) -> RequestLine {
            switch event {
            case .request(let head), .requestBeforeItsBody(let head): .head(head)
            case .refusal(_, let request): refused(request)
            }
        }
    }

    /// Records `HOST - - [TIME] "REQUEST LINE" STATUS BYTES` (`-` for no body bytes) from any
    /// thread, as its response is committed to the socket.
    func record(host: String, requestLine: RequestLine, status: Int, bodyBytes: Int) {
        stripes[stripeIndex()].withLock { stripe in
            // Numbered under the stripe's lock: see the type's invariant.
            let (number, now) = nextNumber()
            let numbered = number >> Self.countBits
            let second = numbered - now > Self.clockStepBack ? now : numbered
            if second != stripe.second {
                stripe.second = second
                stripe.time = Array(HTTPDate.commonLogFormat(epochSeconds: second).utf8)
            }
            let time = stripe.time
            stripe.lines.append(number: number) { bytes in
                Self.append(host, to: &bytes)
                bytes.append(contentsOf: Self.afterHost)
                bytes.append(contentsOf: time)
                bytes.append(contentsOf: Self.afterTime)
                switch requestLine {
                case .head(let head):
                    Self.appendEscaped(head.method, to: &bytes)
                    bytes.append(0x20)
                    Self.appendEscaped(head.target, to: &bytes)
                    bytes.append(0x20)
                    Self.append(head.version.text, to: &bytes)
                case .escaped(let text):
                    Self.append(text, to: &bytes)
                }
                bytes.append(contentsOf: Self.afterRequestLine)
                Self.appendDecimal(status, to: &bytes)
                if bodyBytes == 0 {
                    bytes.append(contentsOf: Self.noBodyBytes)
                } else {
                    bytes.append(0x20)
                    Self.appendDecimal(bodyBytes, to: &bytes)
                    bytes.append(0x0A)
                }
            }
        }
    }

    private static let afterHost = Array(" - - [".utf8)
    private static let afterTime = Array("] \"".utf8)
    private static let afterRequestLine = Array("\" ".utf8)
    private static let noBodyBytes = Array(" -\n".utf8)

    /// The string's UTF-8 bytes, copied at once (a `String.UTF8View` is appended byte by byte).
    private static func append(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    private static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        var digits: InlineArray<20, UInt8> = .init(repeating: 0)
        var count = 0, rest = max(0, value)
        repeat {
            digits[count] = UInt8(truncatingIfNeeded: 0x30 + rest % 10)
            rest /= 10
            count += 1
        } while rest > 0
        for index in stride(from: count - 1, through: 0, by: -1) { bytes.append(digits[index]) }
    }

    /// The next number, and the wall clock's second: the number carries the current second, or
    /// the latest line's if that is later (one thread may read the clock a moment before another
    /// that numbers first), with the count after the latest line's.
    private func nextNumber() -> (number: Int, now: Int) {
        var latest = clock.load(ordering: .relaxed)
        while true {
            let now = WallClock.secondsSinceEpoch
            let second = max(latest >> Self.countBits, now)
            let next = second == latest >> Self.countBits ? latest + 1 : second << Self.countBits
            // Sequentially consistent, like the flush's load, so the watermark argument needs no
            // reasoning about weaker orders (on x86-64 it is the same instruction).
            let (exchanged, original) = clock.compareExchange(expected: latest, desired: next, ordering: .sequentiallyConsistent)
            if exchanged { return (next, now) }
            latest = original
        }
    }

    /// Writes every line recorded so far whose predecessors are all in hand (at a clean exit,
    /// when no thread records any more, that is every line).
    func flush() {
        output.withLock { output in
            let watermark = clock.load(ordering: .sequentiallyConsistent)
            for (index, stripe) in stripes.enumerated() {
                stripe.withLock { swap(&$0.lines, &output.spares[index]) }
            }
            var ready: [UInt8] = []
            do {
                // Only stripes that hold lines: the merge looks at every source for every line.
            let sources = ([output.heldBack] + output.spares).filter { !$0.isEmpty }
                output.heldBack = NumberedLines.merge(sources, through: watermark, into: &ready)
            }
            // `sources` is gone, so the spares are uniquely held again: emptied, they keep their capacity.
            for index in output.spares.indices { output.spares[index].removeAll() }
            file.append(ready)
        }
    }

    /// Starts the flusher thread (after any fork: it is a thread).
    func start() {
        guard !running.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let thread = try? JoinableThread(name: "access-log") { [self] in
            var ticks = 0
            while running.load(ordering: .acquiring) {
                Sleep.for(.milliseconds(100))
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

/// Access log lines, each with its number, in the order they were appended.
///
/// Invariant: `ends[i]` is where line `i`'s bytes end in `bytes` (line `i` starts where line
/// `i - 1` ends), and `numbers[i]` is its number.
struct NumberedLines {
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    private var numbers: [Int] = []

    var isEmpty: Bool { ends.isEmpty }

    /// Appends the line that `write` appends to the bytes.
    mutating func append(number: Int, _ write: (inout [UInt8]) -> Void) {
        write(&bytes)
        ends.append(bytes.count)
        numbers.append(number)
    }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        numbers.removeAll(keepingCapacity: true)
    }

    private func range(_ index: Int) -> Range<Int> { (index == 0 ? 0 : ends[index - 1])..<ends[index] }

    /// Merges `sources` (each in number order) by number: lines numbered at or below
    /// `watermark` are appended to `ready`, the others returned, still in number order.
    static func merge(_ sources: [NumberedLines], through watermark: Int, into ready: inout [UInt8]) -> NumberedLines {
        var later = NumberedLines()
        var cursors = [Int](repeating: 0, count: sources.count)
        while true {
            var best = -1
            for (index, source) in sources.enumerated() where cursors[index] < source.numbers.count {
                if best < 0 || source.numbers[cursors[index]] < sources[best].numbers[cursors[best]] { best = index }
            }
            guard best >= 0 else { return later }
            let source = sources[best], line = cursors[best]
            cursors[best] += 1
            if source.numbers[line] <= watermark {
                ready.append(contentsOf: source.bytes[source.range(line)])
            } else {
                later.append(number: source.numbers[line]) { $0.append(contentsOf: source.bytes[source.range(line)]) }
            }
        }
    }
}
