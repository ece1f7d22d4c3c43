import Foundation
import Glibc
import LinuxIO
import TestSupport

/// A steady, bounded load for restart tests: `clients` threads, each sending `GET /` one after
/// another until stopped, on a new connection each time (`Connection: close`), or with
/// `keepAlive` on one connection for as long as the server keeps it (a new one after a
/// `Connection: close`). Every request that does not come back as a 200 is a failure, with what
/// went wrong.
///
/// Invariant: every request is bounded by the client's socket timeouts, so `stop()` returns
/// within `timeout` plus a little, whatever the server does.
final class RequestLoop: Sendable {
    private let counts = Locked((succeeded: 0, failures: [String]()))
    private let running = Locked(true)
    private let finished = Locked(0)
    private let clients: Int
    private let timeout: Double

    init(port: UInt16, clients: Int = 4, keepAlive: Bool = false, timeout: Double = 10) {
        self.clients = clients
        self.timeout = timeout
        for _ in 0..<clients {
            let thread = Thread { [self] in
                var kept: TestClient?
                while running.withLock({ $0 }) {
                    do {
                        let client = try kept ?? TestClient(port: port, timeout: timeout)
                        kept = nil
                        try client.send("GET / HTTP/1.1\r\nHost: localhost\r\n\(keepAlive ? "" : "Connection: close\r\n")\r\n")
                        let response = try client.readResponse(untilClose: !keepAlive)
                        if keepAlive && response.header("Connection") != "close" { kept = client }
                        if response.status == 200 {
                            counts.withLock { $0.succeeded += 1 }
                        } else {
                            counts.withLock { $0.failures.append("status \(response.status)") }
                        }
                    } catch {
                        counts.withLock { $0.failures.append("\(error)") }
                    }
                }
                finished.withLock { $0 += 1 }
            }
            thread.start()
        }
    }

    var succeeded: Int { counts.withLock { $0.succeeded } }

    /// Waits (bounded) until `count` more requests have succeeded than when called.
    func waitForSuccesses(_ count: Int, within seconds: Double = 10) -> Bool {
        let start = succeeded
        return eventually(within: seconds) { succeeded >= start + count }
    }

    /// Stops the clients, waits for the requests in flight, and returns the totals.
    func stop() throws -> (succeeded: Int, failures: [String]) {
        running.withLock { $0 = false }
        guard eventually(within: timeout + 5, { finished.withLock { $0 } == clients }) else {
            throw TestFailure("the request loop's clients did not finish")
        }
        return counts.withLock { $0 }
    }
}
