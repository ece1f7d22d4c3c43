import Glibc
import LinuxIO
import Logging

/// The blocking accept loop the book's two designs share.
///
/// Invariant: it returns only once shutdown has begun. Its accept(2) times out every
/// `wakeInterval` (SO_RCVTIMEO) to look at the shutdown flag, so no other thread ever needs to
/// touch the listener: a shutdown(2) would reset every connection in the backlog, and an
/// inherited listener must stay listening for the next instance. At shutdown a listener of its
/// own is drained first (pool mode), for `ServerContext.shutdownGrace` at most: what the kernel
/// completed is accepted and served, where closing would reset it (net.ipv4.tcp_migrate_req
/// aside). Blocking mode cannot drain while it serves the one connection in progress, so it
/// refuses new connections at once instead (`stopListening`), and a --reuse-port sibling
/// gets them. Every room `waitForRoom` gave that no connection used is given back. Resource
/// exhaustion (EMFILE, ENFILE, ENOBUFS, ENOMEM) pauses it briefly instead of spinning, and is
/// logged once per episode.
final class AcceptLoop: Sendable {
    let listener: Socket
    let origin: ListenerOrigin
    let context: ServerContext
    /// How long a shutdown may wait to be noticed by a blocked accept.
    static let wakeInterval = Duration.milliseconds(100)

    init(listener: consuming Socket, origin: ListenerOrigin, context: ServerContext) {
        // accept(2) honours SO_RCVTIMEO: it returns EAGAIN (no connection) when it runs out.
        do { try listener.setTimeouts(receive: Self.wakeInterval, send: nil) } catch {
            context.logger.error("cannot set a timeout on the listener: \(error); shutdown waits for the next connection")
        }
        self.listener = listener
        self.origin = origin
        self.context = context
    }

    /// Calls `handle` with each accepted connection until shutdown; `waitForRoom` runs before
    /// each accept (the `--max-connections` gate), and `returnRoom` when that accept brought no
    /// connection (a timeout, an aborted one, an error), so no room is lost.
    func run(waitForRoom: () -> Void = {}, returnRoom: () -> Void = {}, _ handle: (consuming Socket, SocketAddress?) -> Void) {
        // The last time accept ran out of descriptors or memory: an episode lasts until a
        // whole second passes without it, and is logged once.
        var lastExhaustion: Instant?
        while true {
            let draining = context.isShuttingDown
            // The drain ends with the shutdown grace even if clients keep connecting.
            if draining && (origin == .inherited || context.graceDeadline?.hasPassed != false || !backlogIsWaiting()) {
                stopListening()
                return
            }
            waitForRoom()
            do {
                var peer: SocketAddress?
                guard let client = try listener.accept(peer: &peer) else {
                    returnRoom()
                    continue
                }
                context.stats.accepted.add()
                handle(client, peer)
            } catch {
                returnRoom()
                // Read again: in blocking mode the shutdown's stopListening is what failed
                // the accept in progress.
                if context.isShuttingDown {
                    stopListening()
                    return
                }
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

    /// Ends listening, as closing would (the server may outlive the loop): the kernel refuses
    /// new connections, and a blocked accept fails at once. Called once drained, or at the
    /// shutdown by a loop that will not drain (blocking mode). An inherited listener is left
    /// as it is, for the next instance.
    func stopListening() {
        if origin == .bound { try? listener.shutdown(.both) }
    }

    /// Whether a connection waits to be accepted, without waiting for one.
    private func backlogIsWaiting() -> Bool {
        guard let ready = try? Poll.wait([(listener.rawValue, .readable)], until: .now) else { return false }
        return !ready[0].isEmpty
    }
}
