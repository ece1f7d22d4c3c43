import Glibc
import LinuxIO
import Logging

/// The blocking accept loop the book's two designs share.
///
/// Invariant: it returns only once shutdown has begun (a shutdown(2) of the listener wakes
/// the blocked accept); resource exhaustion (EMFILE, ENFILE, ENOBUFS, ENOMEM) pauses it
/// briefly instead of spinning, and is logged once per episode.
final class AcceptLoop: Sendable {
    let listener: Socket
    let context: ServerContext

    init(listener: consuming Socket, context: ServerContext) {
        self.listener = listener
        self.context = context
    }

    /// Calls `handle` with each accepted connection until shutdown; `waitForRoom` runs before
    /// each accept (the `--max-connections` gate).
    func run(waitForRoom: () -> Void = {}, _ handle: (consuming Socket, SocketAddress?) -> Void) {
        // The last time accept ran out of descriptors or memory: an episode lasts until a
        // whole second passes without it, and is logged once.
        var lastExhaustion: Instant?
        while !context.isShuttingDown {
            waitForRoom()
            do {
                var peer: SocketAddress?
                guard let client = try listener.accept(peer: &peer) else { continue }
                context.stats.accepted.add()
                handle(client, peer)
            } catch {
                if context.isShuttingDown { break }
                switch error.code {
                case ECONNABORTED, EPROTO, EPERM:
                    continue  // the client gave up before we accepted it
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    if lastExhaustion.map({ Instant.now.duration(since: $0) > .seconds(1) }) ?? true {
                        context.logger.warning("accept paused: \(error); retrying every 100 ms")
                    }
                    context.stats.acceptPausesOutOfDescriptors.add()
                    lastExhaustion = .now
                    Sleep.for(.milliseconds(100))
                default:
                    context.logger.error("accept failed: \(error)")
                    Sleep.for(.milliseconds(100))
                }
            }
        }
    }

    /// Stops accepting: wakes the blocked accept(2), and the kernel refuses new connections.
    func stop() {
        try? listener.shutdown(.both)
    }
}
