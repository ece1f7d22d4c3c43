import LinuxIO

/// `--mode blocking`: the book's single-threaded server. One connection at a time, one
/// request per connection; a `/sleep` holds up everyone (the chapter's point).
///
/// Invariant: exactly one thread (the caller of `run`) touches connections.
final class BlockingServer: Server {
    let address: SocketAddress
    private let context: ServerContext
    private let loop: AcceptLoop

    var configuration: Configuration { context.configuration }

    init(context: ServerContext, listener: consuming Socket, origin: ListenerOrigin) {
        self.context = context
        address = (try? listener.localAddress()) ?? .v4(.init())
        loop = AcceptLoop(listener: listener, origin: origin, context: context)
    }

    func run() throws(ServerError) {
        context.startBackgroundThreads()
        defer { context.stopThreads(pool: nil) }
        var exchange = OneShotExchange(context: context)
        loop.run { client, peer in
            exchange.serve(client, peer: peer)
            exchange.reset()
        }
        context.logger.info("shut down")
    }

    func shutdown() {
        if context.beginShutdown() {
            context.logger.info("shutting down: no new connections; finishing the one in progress")
        }
        loop.stopListening()
    }
}
