import HTTP1
import LinuxIO
import ThreadPool

/// One client connection of the epoll reactor: its socket, the bytes and requests it has
/// received, and the responses on their way out.
///
/// Invariant: exactly one thread owns a connection at a time: the reactor, or the worker
/// running its job (`state == .inWorker`). Ownership moves through the thread pool's queue
/// and the `HandBackQueue`, both guarded by locks, so every access by the new owner
/// happens after the old owner's last one; hence `@unchecked Sendable`. While a worker owns
/// it, the reactor only records readiness in the `…WhileAway` flags.
final class Connection: @unchecked Sendable {
    enum State {
        /// The reactor reads and parses (or waits, idle, for the next request).
        case reading
        /// Handed to a worker with complete requests; the reactor does not touch it.
        case inWorker
        /// The reactor finishes writing responses the worker could not.
        case writing
        /// Closing: our side is shut down, the client's leftovers are read and dropped.
        case lingering
        case closed
    }

    /// Which deadline applies while reading.
    enum ReadPhase {
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

    let socket: Socket
    let slot: Int
    let generation: UInt32
    /// The client's address (from accept4), for the access log.
    let peer: SocketAddress?
    /// `peer` as the access log writes it, formatted once per connection (inet_ntop costs
    /// thousands of instructions), on first use by whichever thread owns the connection.
    lazy var peerHost: String = peer?.host ?? "-"
    /// The reactor's counts of connections by category, kept current by `state` and `phase`.
    private unowned let gauges: ConnectionGauges

    var state = State.reading {
        didSet { gauges.move(from: Self.category(oldValue, phase), to: category) }
    }
    var phase = ReadPhase.unused {
        didSet { gauges.move(from: Self.category(state, oldValue), to: category) }
    }
    /// The stamp of the one timer currently armed for this connection; older ones are stale.
    var timerStamp: UInt64 = 0

    // Reading (reactor only).
    var buffer: [UInt8] = []
    var parser: RequestParser
    var body: BodyDecoder?
    var headAwaitingBody: RequestHead?
    /// The last read filled the scratch buffer: the socket may hold more, and edge-triggered
    /// epoll will not say so again.
    var mayHaveUnreadData = false
    var readableWhileAway = false
    var writableWhileAway = false
    /// The client shut down its sending side (read returned end of file).
    var peerClosed = false

    // The job (reactor fills, worker reads and writes, reactor clears).
    /// What a worker runs for this connection (`ResponseJob.make`), set once at registration.
    var job: ThreadPool.Job?
    /// When the reactor last handed the connection to the pool (monotonic nanoseconds).
    var handedOffAt: UInt64 = 0
    var requests: [RequestHead] = []
    /// The responses of the job being answered, until their access log lines are recorded.
    var answers: [ResponseJob.Answer] = []
    var terminalError: HTTPError?
    /// The unparseable start of a request that ended in `terminalError`, for the access log.
    var failedRequestLine = "-"
    /// No more requests on this connection after the current responses.
    var closeAfterResponses = false
    var output: [UInt8] = []
    var outputSent = 0
    var writeFailed = false

    init(socket: consuming Socket, peer: SocketAddress?, slot: Int, generation: UInt32, limits: ParserLimits, gauges: ConnectionGauges) {
        self.socket = socket
        self.peer = peer
        self.slot = slot
        self.generation = generation
        self.gauges = gauges
        parser = RequestParser(limits: limits)
        gauges.move(from: nil, to: category)
    }

    /// What the status page counts this connection as; `nil` once closed.
    var category: ConnectionCategory? { Self.category(state, phase) }

    private static func category(_ state: State, _ phase: ReadPhase) -> ConnectionCategory? {
        switch state {
        case .reading:
            switch phase {
            case .idle: .idle
            case .unused: .unused
            case .head, .body: .readingRequest
            }
        case .inWorker: .queuedOrInWorker
        case .writing: .writing
        case .lingering: .closing
        case .closed: nil
        }
    }

    /// The epoll token: generation in the high half, slot in the low half.
    var token: UInt64 { UInt64(generation) << 32 | UInt64(slot) }

    /// Whether bytes of a request have arrived that are not yet a complete request.
    var hasPartialRequest: Bool { !buffer.isEmpty || body != nil }

    var hasUnsentOutput: Bool { outputSent < output.count }

    /// What `sendOutput()` achieved.
    enum SendOutcome {
        case done
        /// The socket is full; `progressed` says whether any bytes went out first.
        case blocked(progressed: Bool)
        case failed
    }

    /// Sends as much of the unsent output as the socket takes now, without waiting.
    func sendOutput() -> SendOutcome {
        var progressed = false
        while hasUnsentOutput {
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
        return .done
    }
}

/// How many of the reactor's connections are in each category, for the status page.
///
/// Invariant: touched only on the reactor thread (connections change state only there); the
/// reactor copies the counts into `ServerStats` once per loop iteration.
final class ConnectionGauges {
    private(set) var counts = [Int](repeating: 0, count: ConnectionCategory.allCases.count)

    func move(from old: ConnectionCategory?, to new: ConnectionCategory?) {
        guard old != new else { return }
        if let old { counts[old.rawValue] -= 1 }
        if let new { counts[new.rawValue] += 1 }
    }
}
