import Glibc
import HelloServer
import LinuxIO
import Logging
import ThreadPool

/// A server of one mode running in this test process on 127.0.0.1 and an ephemeral port.
///
/// Invariant: `stop()` (or deinit) shuts it down and waits for `run()` to return, bounded by
/// the graceful-shutdown rules, so no test leaves a server behind.
final class TestServer: Sendable {
    let server: any Server
    let port: UInt16
    private let thread: JoinableThread

    init(_ mode: ServerMode, _ adjust: (inout Configuration) -> Void = { _ in }) throws {
        var configuration = Configuration()
        configuration.port = 0
        configuration.mode = mode
        configuration.workers = 4
        configuration.sleepMilliseconds = 1000
        configuration.headerTimeout = 2
        adjust(&configuration)
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        server = try Servers.make(configuration, logger: logger)
        port = server.address.port
        let server = self.server
        thread = try JoinableThread(name: "test-server") { try? server.run() }
    }

    /// Graceful shutdown; returns once the server's `run()` has returned.
    func stop() {
        server.shutdown()
        thread.join()
    }

    deinit { stop() }

    /// Opens a client connection to the server.
    func connect(timeout: Double = 10) throws -> TestClient { try TestClient(port: port, timeout: timeout) }

    /// One request on a new connection, and its response (by Content-Length; none for HEAD).
    func exchange(_ request: String) throws -> TestResponse {
        let client = try connect()
        try client.send(request)
        return try client.readResponse(untilClose: false, headRequest: request.hasPrefix("HEAD "))
    }

    /// Polls `/server-status` (the server needs `status = .on`) until its text contains
    /// `fragment`: a wait for a state the server reports, instead of a fixed sleep. False if
    /// it never does within `timeout` seconds.
    func waitForStatus(containing fragment: String, timeout: Double = 10) -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while ContinuousClock.now < deadline {
            if let status = try? exchange("GET /server-status HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"),
               status.bodyText.contains(fragment) {
                return true
            }
            usleep(10_000)
        }
        return false
    }

    /// `GET path` on a new connection; for "the server still serves the next client" checks.
    func get(_ path: String = "/") throws -> TestResponse {
        try exchange("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n")
    }
}

extension ServerMode {
    /// The book's modes close after every response; epoll keeps HTTP/1.1 connections open.
    var closesEveryConnection: Bool { self != .epoll }

    /// The Connection header of a response to a plain HTTP/1.1 request in this mode.
    var connectionHeaderForKeepAliveRequest: String? { closesEveryConnection ? "close" : nil }
}
