import LinuxIO
import ThreadPool

/// `--mode pool`: the book's final design. A blocking accept loop hands each connection to
/// a fixed `ThreadPool`; the worker reads one request, answers and closes.
///
/// Invariant: a connection is owned by exactly one party at a time: the accept loop until
/// `execute` takes it, then the one job that serves and closes it.
final class PooledServer: Server {
    let address: SocketAddress
    private let context: ServerContext
    private let loop: AcceptLoop
    /// One permit per connection that may be open: the accept loop waits for a permit, so
    /// beyond `--max-connections` new connections wait in the listen backlog.
    private let permits: Semaphore

    var configuration: Configuration { context.configuration }

    init(context: ServerContext, listener: consuming Socket, origin: ListenerOrigin) {
        self.context = context
        address = (try? listener.localAddress()) ?? .v4(.init())
        loop = AcceptLoop(listener: listener, origin: origin, context: context)
        permits = Semaphore(count: context.configuration.maxConnections)
    }

    /// Starts the workers (threads only now, so `--daemon` can fork before any exist), then
    /// runs the accept loop on the calling thread.
    func run() throws(ServerError) {
        let pool = try context.startWorkerPool()
        loop.run(waitForRoom: permits.acquire, returnRoom: permits.release) { client, peer in
            let connection = PooledConnection(client, permits: permits)
            let acceptedAt = Instant.now
            do {
                try pool.execute { [context] in
                    let started = Instant.now
                    context.stats.queueWait.observe(from: acceptedAt, to: started)
                    var exchange = OneShotExchange(context: context)
                    exchange.serve(connection.socket, peer: peer)
                    context.stats.workerTime.observe(from: started, to: .now)
                }
            } catch {
                // Only during shutdown: the connection closes unanswered, as a full backlog would.
            }
        }
        // Workers finish every queued connection (those that sent nothing are closed at once).
        context.stopThreads(pool: pool)
        context.logger.info("shut down")
    }

    func shutdown() {
        if context.beginShutdown() {
            context.logger.info("shutting down: no new connections; finishing requests in progress")
        }
        permits.release()  // wakes an accept loop waiting for room, so it sees the shutdown
    }
}

/// A client socket on its way from the accept loop to a worker: a `~Copyable` value cannot be
/// captured by the job's escaping closure, a class holding it can.
/// It gives its `--max-connections` permit back when it closes.
private final class PooledConnection: Sendable {
    let socket: Socket
    private let permits: Semaphore

    init(_ socket: consuming Socket, permits: Semaphore) {
        self.socket = socket
        self.permits = permits
    }

    deinit {
        permits.release()
    }
}
