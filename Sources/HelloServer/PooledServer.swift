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
    private let pool: ThreadPool

    var configuration: Configuration { context.configuration }

    init(context: ServerContext, listener: consuming Socket) throws(ServerError) {
        self.context = context
        address = (try? listener.localAddress()) ?? .v4(.init())
        loop = AcceptLoop(listener: listener, context: context)
        do {
            pool = try ThreadPool(size: context.configuration.workers, logger: context.logger)
        } catch {
            throw .invalidConfiguration(error.description)
        }
    }

    func run() {
        loop.run { client in
            let connection = PooledConnection(client)
            do {
                try pool.execute { [context] in
                    var exchange = OneShotExchange(context: context)
                    exchange.serve(connection.socket)
                }
            } catch {
                // Only during shutdown: the connection closes unanswered, as a full backlog would.
            }
        }
        // Workers finish every queued connection (those that sent nothing are closed at once).
        pool.shutdown()
        context.logger.info("shut down")
    }

    func shutdown() {
        if context.beginShutdown() {
            context.logger.info("shutting down: no new connections; finishing requests in progress")
        }
        loop.stop()
    }
}

/// A client socket on its way from the accept loop to a worker: a `~Copyable` value cannot be
/// captured by the job's escaping closure, a class holding it can.
private final class PooledConnection: Sendable {
    let socket: Socket

    init(_ socket: consuming Socket) {
        self.socket = socket
    }
}
