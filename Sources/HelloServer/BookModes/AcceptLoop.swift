import Glibc
import LinuxIO
import Logging

/// The blocking accept loop the book's two designs share.
///
/// Invariant: it returns only once shutdown has begun (a shutdown(2) of the listener wakes
/// the blocked accept; an inherited listener, which must stay listening for the next instance,
/// is instead accepted from with a timeout, so the loop sees the shutdown within
/// `inheritedWakeInterval`); resource exhaustion (EMFILE, ENFILE, ENOBUFS, ENOMEM) pauses it
/// briefly instead of spinning, and is logged once per episode.
final class AcceptLoop: Sendable {
    let listener: Socket
    let origin: ListenerOrigin
    let context: ServerContext
    static let inheritedWakeInterval = Duration.milliseconds(100)

    init(listener: consuming Socket, origin: ListenerOrigin, context: ServerContext) {
        if origin == .inherited {
            // accept(2) honours SO_RCVTIMEO: it returns EAGAIN (no connection) when it runs out.
            do { try listener.setTimeouts(receive: Self.inheritedWakeInterval, send: nil) } catch {
                context.logger.error("cannot set a timeout on the inherited listener: \(error); shutdown waits for the next connection")
            }
        }
        self.listener = listener
        self.origin = origin
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

    /// Stops accepting: wakes the blocked accept(2), and the kernel refuses new connections. An
    /// inherited listener is left listening (its service manager holds it): the loop's accept
    /// times out instead, and closing our descriptor leaves the backlog to the next instance.
    func stop() {
        if origin == .bound { try? listener.shutdown(.both) }
    }
}
