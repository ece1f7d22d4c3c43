import HTTP1

/// What a connection exchanges with its worker: the request stream, the events it produced,
/// the answers for the access log and the response bytes on their way out.
///
/// Kept behind a pointer by `Connection`, not in stored `var`s: every change of these calls
/// into code the optimizer cannot see through (the parser, arrays of another module's type),
/// so Swift would check each access to such a `var` for exclusivity at run time
/// (`swift_beginAccess`, about 90 instructions), while the connection's ownership rule already
/// makes them exclusive. Nothing traps an overlapping access to the same field: two accesses
/// may overlap only on different fields (`stream.receive(_:into: &events)`).
///
/// Invariant: only an idle exchange, renewed (`renew()`: as good as a new one, with room for at
/// most `usualCapacity` events and answers), is parked in `SpareExchanges`.
struct Exchange {
    var stream: RequestStream
    var events: [RequestStream.Event] = []
    var answers: [ResponseJob.Answer] = []
    var output: [UInt8] = []

    /// Nothing in it: between requests, nothing buffered, nothing to answer, nothing to send.
    var isIdle: Bool {
        stream.position == .betweenRequests && !stream.hasUnansweredBytes
            && events.isEmpty && answers.isEmpty && output.isEmpty
    }

    /// Makes an idle exchange fresh: a new stream (so that nothing of the last connection's
    /// parser state can reach the next one) and no buffer grown past the usual (a client
    /// that pipelined thousands of requests in one read must not leave a parked exchange
    /// holding room for thousands of events).
    mutating func renew() {
        stream = RequestStream(limits: stream.limits)
        if events.capacity > Self.usualCapacity { events = [] }
        if answers.capacity > Self.usualCapacity { answers = [] }
        if output.capacity > 0 { output = [] }
    }

    /// Events (or answers) a parked exchange keeps room for: a batch of 16 pipelined requests.
    static let usualCapacity = 16

    /// A new exchange on the heap, where `Connection` and `SpareExchanges` keep it.
    static func allocate(limits: ParserLimits) -> UnsafeMutablePointer<Exchange> {
        let exchange = UnsafeMutablePointer<Exchange>.allocate(capacity: 1)
        exchange.initialize(to: Exchange(stream: RequestStream(limits: limits)))
        return exchange
    }

    /// Deinitializes and frees what `allocate` made.
    static func free(_ exchange: UnsafeMutablePointer<Exchange>) {
        exchange.deinitialize(count: 1)
        exchange.deallocate()
    }
}

/// The reactor's parked exchanges: an idle connection gives its exchange back here and takes
/// one again when its next request begins, so that idle connections hold no exchange (about
/// 400 bytes each) while a busy server allocates none per request.
///
/// Invariant: every pointer held is allocated, initialized and renewed, and owned by nothing
/// else; at most `limit` are held, each of bounded size, so the memory kept for idle
/// connections is bounded whatever their number and whatever their clients did. Used by the
/// reactor thread only.
struct SpareExchanges: ~Copyable {
    private var spares: [UnsafeMutablePointer<Exchange>] = []
    let limit: Int
    let limits: ParserLimits

    init(limit: Int, limits: ParserLimits) {
        self.limit = limit
        self.limits = limits
    }

    deinit {
        for exchange in spares { Exchange.free(exchange) }
    }

    /// A fresh exchange: a parked one, or a new one.
    mutating func take() -> UnsafeMutablePointer<Exchange> {
        spares.popLast() ?? Exchange.allocate(limits: limits)
    }

    /// Parks a fresh exchange for the next connection that needs one, or frees it beyond `limit`.
    mutating func giveBack(_ exchange: UnsafeMutablePointer<Exchange>) {
        if spares.count < limit {
            spares.append(exchange)
        } else {
            Exchange.free(exchange)
        }
    }

    var count: Int { spares.count }

    /// The most room for events any parked exchange keeps (for tests).
    var largestEventCapacity: Int { spares.map(\.pointee.events.capacity).max() ?? 0 }
}
