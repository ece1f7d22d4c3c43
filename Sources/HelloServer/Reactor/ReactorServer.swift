import LinuxIO
import ThreadPool

/// `--mode epoll`: one reactor thread (the caller of `run`) on epoll accepts, reads and parses;
/// a fixed pool of workers answers complete requests and writes the responses.
///
/// Invariant: the reactor is touched only by the thread in `run()`; other threads reach it
/// only through the shutdown eventfd and the completion queue.
final class ReactorServer: Server, @unchecked Sendable {
    // `reactor` is used only by the thread inside `run()`; the rest is immutable and Sendable.
    let address: SocketAddress
    private let context: ServerContext
    private var reactor: Reactor

    var configuration: Configuration { context.configuration }

    init(context: ServerContext, listener: consuming Socket, origin: ListenerOrigin) throws(ServerError) {
        self.context = context
        address = (try? listener.localAddress()) ?? .v4(.init())
        do {
            reactor = try Reactor(context: context, listener: listener, origin: origin)
        } catch {
            throw .system(error)
        }
    }

    /// Starts the workers (threads only now, so `--daemon` can fork before any exist), then
    /// runs the reactor on the calling thread.
    func run() throws(ServerError) {
        let pool = try context.startWorkerPool()
        reactor.run(with: pool)
        context.stopThreads(pool: pool)
        context.logger.info("shut down")
    }

    func shutdown() {
        if context.beginShutdown() {
            context.logger.info("shutting down: no new connections; finishing requests already read")
        }
    }
}
