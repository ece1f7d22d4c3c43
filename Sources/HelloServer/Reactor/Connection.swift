import HTTP1
import LinuxIO
import ThreadPool

/// One client connection of the epoll reactor: its socket, where it is in its lifecycle, its
/// request stream, and the responses on their way out.
///
/// Invariant: exactly one thread owns a connection at a time: the reactor, or the worker
/// running its job (`state == .inWorker`). Ownership moves through the thread pool's queue
/// and the `HandBackQueue`, both guarded by locks, so every access by the new owner
/// happens after the old owner's last one; hence `@unchecked Sendable`. While a worker owns
/// it, the reactor only reads `state` and records readiness in `pending` and `peerClosed`
/// (which the worker never reads); the worker touches
/// only `stream.end()`, the job's fields and the output. `state` changes only through the
/// transitions in Reactor+Lifecycle.swift, through `enter(_:counting:)`. A new connection holds
/// no `Exchange` until its first read, and an idle one parks its exchange with the reactor
/// (`parkExchange`) until its next read.
final class Connection: @unchecked Sendable {
    /// Where the connection is in its lifecycle (Docs/DESIGN-NOTES.md, The connection):
    /// `reading` → `inWorker` → (`writing` →) `reading` …, ending in `lingering` or `closed`.
    enum State: Equatable {
        /// The reactor reads and parses; the phase says which deadline runs.
        case reading(ReadPhase)
        /// Handed to a worker with complete requests; the reactor does not touch it.
        case inWorker
        /// The reactor finishes writing responses the worker could not.
        case writing
        /// Closing: our side is shut down, the client's leftovers are read and dropped.
        case lingering
        case closed
    }

    /// Which deadline applies while reading.
    enum ReadPhase: Equatable {
        /// A new connection that has sent no byte yet: `--header-timeout` from acceptance,
        /// then a silent close, as nginx does: a browser's spare preconnected socket must not
        /// be given a 408 that it would read as the answer to its next request.
        case unused
        /// Between requests on a kept-alive connection: `--keep-alive-timeout`, then silence.
        case idle
        /// A request head is due: `--header-timeout` from its first byte (or, on a new
        /// connection, from acceptance), then 408.
        case head
        /// A body is being read: each read must come within `--header-timeout`.
        case body
    }

    /// Readiness epoll reported while the reactor was not reading or writing (edge-triggered:
    /// it will not be reported again), acted on when the connection comes back.
    struct PendingReadiness {
        /// The socket became readable.
        var readable = false
        /// The socket became writable.
        var writable = false
        /// The last read filled the scratch buffer: the socket may hold more.
        var mayHaveUnreadData = false
    }

    let socket: Socket
    let slot: Int
    let generation: UInt32
    /// The client's address (from accept4), for the access log.
    let peer: SocketAddress?
    /// `peer` as the access log writes it, formatted once per connection (inet_ntop costs
    /// thousands of instructions), on first use by whichever thread owns the connection.
    lazy var peerHost: String = peer?.host ?? "-"
    /// Changed only by `enter(_:counting:)`.
    private(set) var state = State.reading(.unused)
    /// The stamp of the one timer currently armed for this connection; older ones are stale.
    var timerStamp: UInt64 = 0
    var pending = PendingReadiness()
    /// The client shut down its sending side (read returned end of file, or EPOLLRDHUP).
    var peerClosed = false

    /// The requests: bytes in, events out. The reactor feeds it; a worker may only end it.
    /// While the exchange is parked it reads as a fresh stream.
    var stream: RequestStream {
        _read { yield readable.pointee.stream }
        _modify { yield &inUse.pointee.stream }
    }

    // The job (reactor fills, worker reads and writes, reactor clears).
    /// What a worker runs for this connection (`ResponseJob.make`), set once at registration.
    var job: ThreadPool.Job?
    /// When the reactor last handed the connection to the pool.
    var handedOffAt = Instant(nanoseconds: 0)
    /// What the worker answers, in order: complete requests, and at most one refusal, last.
    var events: [RequestStream.Event] {
        _read { yield readable.pointee.events }
        _modify { yield &inUse.pointee.events }
    }
    /// How many of `events` the last job answered: a job ends after a file's answer, so that a
    /// connection has at most one open file; the rest go to the next job once it is sent.
    var eventsAnswered = 0
    /// The responses of the job being answered, until their access log lines are recorded.
    var answers: [ResponseJob.Answer] {
        _read { yield readable.pointee.answers }
        _modify { yield &inUse.pointee.answers }
    }
    var output: [UInt8] {
        _read { yield readable.pointee.output }
        _modify { yield &inUse.pointee.output }
    }
    var outputSent = 0
    /// A file whose bytes follow `output`, sent from the file.
    var file: FileBody?
    var writeFailed = false

    /// The stream, events, answers and output (see `Exchange` for why behind a pointer); `nil`
    /// while parked: an idle connection gives it back to the reactor's `SpareExchanges`.
    private var exchange: UnsafeMutablePointer<Exchange>?

    /// What a parked connection's exchange reads as: a fresh one, never changed (a fresh
    /// stream's position and bytes do not depend on its limits).
    nonisolated(unsafe) private static let parked = Exchange.allocate(limits: ParserLimits())

    /// The exchange, for reading: a parked connection's reads as fresh.
    private var readable: UnsafeMutablePointer<Exchange> { exchange ?? Self.parked }

    /// The exchange, for a change: only an unparked connection's may change.
    private var inUse: UnsafeMutablePointer<Exchange> {
        guard let exchange else { preconditionFailure("a parked connection's exchange was changed") }
        return exchange
    }

    /// A connection whose exchange is `exchange`, or parked (`nil`) until its first read.
    init(socket: consuming Socket, peer: SocketAddress?, slot: Int, generation: UInt32, exchange: UnsafeMutablePointer<Exchange>?) {
        self.socket = socket
        self.peer = peer
        self.slot = slot
        self.generation = generation
        self.exchange = exchange
    }

    convenience init(socket: consuming Socket, peer: SocketAddress?, slot: Int, generation: UInt32, limits: ParserLimits) {
        self.init(socket: socket, peer: peer, slot: slot, generation: generation, exchange: Exchange.allocate(limits: limits))
    }

    deinit {
        if let exchange { Exchange.free(exchange) }
    }

    /// Whether the exchange is parked (the connection is idle and holds none).
    var isParked: Bool { exchange == nil }

    /// A connection with nothing in its exchange gives it back to `spares`; called by the
    /// reactor only, when the connection goes idle, reads nothing, or closes.
    func parkExchange(in spares: inout SpareExchanges) {
        guard let exchange, exchange.pointee.isIdle else { return }
        exchange.pointee.renew()
        self.exchange = nil
        spares.giveBack(exchange)
    }

    /// Takes an exchange again before the connection reads its next request.
    func unparkExchange(from spares: inout SpareExchanges) {
        if exchange == nil { exchange = spares.take() }
    }

    /// The one way `state` changes (the transitions in Reactor+Lifecycle.swift call it); it keeps
    /// the reactor's counts by category current.
    func enter(_ next: State, counting gauges: inout ConnectionGauges) {
        gauges.move(from: Self.category(state), to: Self.category(next))
        state = next
    }

    /// What the status page counts this connection as; `nil` once closed.
    var category: ConnectionCategory? { Self.category(state) }

    private static func category(_ state: State) -> ConnectionCategory? {
        switch state {
        case .reading(.idle): .idle
        case .reading(.unused): .unused
        case .reading(.head), .reading(.body): .readingRequest
        case .inWorker: .queuedOrInWorker
        case .writing: .writing
        case .lingering: .closing
        case .closed: nil
        }
    }

    var isReading: Bool {
        if case .reading = state { return true }
        return false
    }

    /// The epoll token: generation in the high half, slot in the low half.
    var token: UInt64 { UInt64(generation) << 32 | UInt64(slot) }

    var hasUnsentOutput: Bool { outputSent < output.count || file != nil }

    /// What `sendOutput()` achieved.
    enum SendOutcome {
        case done
        /// The socket is full; `progressed` says whether any bytes went out first.
        case blocked(progressed: Bool)
        case failed
    }

    /// Sends as much of the unsent output, then of the file, as the socket takes now, without
    /// waiting; the file is let go (and closed) once it is sent or fails.
    func sendOutput() -> SendOutcome {
        var progressed = false
        while outputSent < output.count {
            let result = output.withUnsafeBytes { bytes in
                Result { () throws(Errno) in try socket.write(UnsafeRawBufferPointer(rebasing: bytes[outputSent...])) }
            }
            switch result {
            case .success(.bytes(let count)):
                outputSent += count
                progressed = true
            case .success:
                return .blocked(progressed: progressed)
            case .failure:
                return .failed
            }
        }
        guard let file else { return .done }
        // Only the file is left: its head's buffer is not kept for the whole download.
        if !output.isEmpty {
            output = []
            outputSent = 0
        }
        switch file.send(to: socket) {
        case .done:
            self.file = nil
            return .done
        case .blocked(let sent):
            return .blocked(progressed: progressed || sent)
        case .failed:
            self.file = nil
            return .failed
        }
    }
}
