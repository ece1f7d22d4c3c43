import Foundation
import Glibc
import HelloServer
import LinuxIO
import TestSupport
import Testing
import ThreadPool

/// `--access-log` and `--log-file` (README, Usage; Docs/HTTP.md, Access log): one Common Log Format line per
/// request, flushed at least once a second and at exit, and both logs reopened on SIGHUP,
/// checked against the real binary in every mode.
@Suite(.timeLimit(.minutes(3)))
struct AccessLogTests {
    static let modes = ServerMode.allCases

    // MARK: One correct line per request

    /// A request sent on a connection of its own, and the access log line it must produce.
    struct Exchange: Sendable, CustomTestStringConvertible {
        /// The bytes sent.
        let request: String
        /// The request line as the log must show it (after undoing the log's escaping).
        let logged: String
        let status: Int
        /// Whether the response carries body bytes (their count is logged), else `-`.
        let hasBody: Bool
        var testDescription: String { request.prefix { $0 != "\r" }.description }
    }

    static let exchanges: [Exchange] = [
        Exchange(request: "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", logged: "GET / HTTP/1.1", status: 200, hasBody: true),
        Exchange(request: "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", logged: "HEAD / HTTP/1.1", status: 200, hasBody: false),
        Exchange(request: "GET /missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", logged: "GET /missing HTTP/1.1", status: 404, hasBody: true),
        Exchange(request: "HEAD /missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", logged: "HEAD /missing HTTP/1.1", status: 404, hasBody: false),
        Exchange(request: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc", logged: "POST / HTTP/1.1", status: 405, hasBody: true),
        Exchange(request: "BAD\r\n\r\n", logged: "BAD", status: 400, hasBody: true),
        Exchange(request: "GET / HTTP/2.0\r\n\r\n", logged: "GET / HTTP/2.0", status: 505, hasBody: true),
        Exchange(request: "GET /half HTTP/1.1\r\nHost: x\r\n", logged: "GET /half HTTP/1.1", status: 408, hasBody: true),
        Exchange(request: "GET http://localhost/abs/x?y=1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                 logged: "GET http://localhost/abs/x?y=1 HTTP/1.1", status: 404, hasBody: true),
        Exchange(request: "GET /?q=a%20b&r=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", logged: "GET /?q=a%20b&r=1 HTTP/1.1", status: 200, hasBody: true),
        Exchange(request: "GET / HTTP/1.0\r\n\r\n", logged: "GET / HTTP/1.0", status: 200, hasBody: true),
        Exchange(request: "GET /sleep HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", logged: "GET /sleep HTTP/1.1", status: 200, hasBody: true),
        Exchange(request: "GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 9000))\r\n\r\n",
                 logged: "GET / HTTP/1.1", status: 431, hasBody: true),
    ]

    @Test(arguments: modes)
    func oneCorrectLinePerRequest(mode: ServerMode) throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        let access = directory.path("access.log")
        let started = time(nil)
        let server = try ServerProcess.start([
            "--mode", mode.rawValue, "--access-log", access, "--header-timeout", "0.5", "--sleep-ms", "10",
        ])
        var expected: [String] = []
        for exchange in Self.exchanges {
            let response = try Self.exchange(exchange.request, port: server.port)
            #expect(response.status == exchange.status, "\(exchange.testDescription): \(response)")
            if exchange.status == 200 && exchange.hasBody { #expect(response.bodyText.contains("Hi from Swift")) }
            #expect(exchange.hasBody == !response.body.isEmpty, "\(exchange.testDescription): body of \(response.body.count) bytes")
            expected.append("\"\(exchange.logged)\" \(exchange.status) \(response.body.isEmpty ? "-" : String(response.body.count))")
        }
        // A connection that never sends a byte is closed after --header-timeout with no answer,
        // and so with no line (Docs/HTTP.md, Deadlines).
        #expect(try TestClient(port: server.port, timeout: 10).readToEnd().isEmpty)
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 10) == .exited(0))
        let ended = time(nil)

        let lines = try Self.lines(access)
        #expect(lines.count == Self.exchanges.count, "one line per request, got:\n\(lines.joined(separator: "\n"))")
        var logged: [String] = []
        for line in lines {
            guard let entry = CommonLogLine(line) else {
                Issue.record("not a Common Log Format line: \(line.debugDescription)")
                continue
            }
            #expect(entry.epochSeconds >= started - 1 && entry.epochSeconds <= ended + 1, "time out of range: \(line)")
            logged.append("\"\(entry.requestLine)\" \(entry.status) \(entry.bytes)")
        }
        // One exchange after the other: the file is in the order the responses were sent.
        #expect(logged == expected)
        #expect(server.stdout.text == server.listeningLine + "\n", "the access log goes to its file only")
    }

    /// Apache escapes `"` and `\` in the logged request line, nginx writes `\x22`: either way the
    /// quoted field stays parseable. A valid target may contain both characters.
    @Test(arguments: modes)
    func quotesAndBackslashesInTheRequestLineAreEscaped(mode: ServerMode) throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        let access = directory.path("access.log")
        let server = try ServerProcess.start(["--mode", mode.rawValue, "--access-log", access])
        let targets = ["/a\"b", "/c\\d", "/e\"\\f"]
        for target in targets {
            let response = try Self.exchange("GET \(target) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", port: server.port)
            #expect(response.status == 404)
        }
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 10) == .exited(0))
        let lines = try Self.lines(access)
        #expect(lines.count == targets.count)
        for line in lines {
            let entry = CommonLogLine(line)
            #expect(entry != nil, "not a parseable Common Log Format line: \(line)")
            if let entry { #expect(targets.map { "GET \($0) HTTP/1.1" }.contains(entry.requestLine), "\(line)") }
        }
    }

    // MARK: Order

    /// Docs/HTTP.md, Access log: lines appear in the order their responses were sent,
    /// whichever thread sent them; those of one connection in request order. Several clients
    /// at once, each sending its requests one after the other (in epoll mode on one kept-alive
    /// connection, so consecutive requests go to different workers), with refusals the epoll
    /// reactor answers itself mixed in.
    @Test(arguments: modes)
    func linesAreInTheOrderTheResponsesWereSent(mode: ServerMode) throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        let access = directory.path("access.log")
        let server = try ServerProcess.start(["--mode", mode.rawValue, "--access-log", access, "--workers", "4"])
        let clients = 4, requestsPerClient = 150
        let port = server.port
        let failures = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: clients) { client in
            do {
                var connection: TestClient? = nil
                for index in 0..<requestsPerClient {
                    let refused = index % 50 == 49
                    if connection == nil || mode.closesEveryConnection || refused {
                        connection = try TestClient(port: port, timeout: 10)
                    }
                    if refused {
                        // Half-closed after a bad request line: the epoll reactor answers it itself.
                        try connection!.send("BAD-\(client)-\(index)\r\n\r\n")
                        try connection!.socket.shutdown(.write)
                        _ = try connection!.readToEnd()
                        connection = nil
                        continue
                    }
                    try connection!.send("GET /c\(client)/r\(index) HTTP/1.1\r\nHost: x\r\n\r\n")
                    let response = try connection!.readResponse(untilClose: false)
                    if response.status != 404 { throw TestFailure("status \(response.status)") }
                }
            } catch {
                failures.withLock { $0.append("client \(client): \(error)") }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 10) == .exited(0))
        let entries = try Self.lines(access).compactMap(CommonLogLine.init)
        #expect(entries.count == clients * requestsPerClient)
        #expect(zip(entries, entries.dropFirst()).allSatisfy { $0.epochSeconds <= $1.epochSeconds }, "time never goes back down the file")
        for client in 0..<clients {
            // Each client's lines, in the file's order, are its requests in the order it sent them.
            let own = entries.filter { $0.requestLine.hasPrefix("GET /c\(client)/") || $0.requestLine.hasPrefix("BAD-\(client)-") }
            let sent = (0..<requestsPerClient).map { $0 % 50 == 49 ? "BAD-\(client)-\($0)" : "GET /c\(client)/r\($0) HTTP/1.1" }
            let logged = own.map(\.requestLine)
            let firstDifference = zip(logged, sent).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            #expect(logged.count == sent.count && firstDifference == nil,
                    "client \(client): \(logged.count) lines, first out of order at \(firstDifference.map { "\($0): \(logged[$0]) for \(sent[$0])" } ?? "-")")
            #expect(zip(own, own.dropFirst()).allSatisfy { $0.epochSeconds <= $1.epochSeconds }, "time never goes back within a connection")
        }
    }

    /// A pipelined batch is sent when its last response is ready: the response to `/first`
    /// leaves after the `/sleep` behind it, so its line comes after those of other connections
    /// answered during the sleep.
    @Test func aPipelinedBatchIsLoggedWhenItIsSent() throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        let access = directory.path("access.log")
        let server = try ServerProcess.start(["--mode", "epoll", "--access-log", access, "--sleep-ms", "600"])
        let pipelined = try TestClient(port: server.port, timeout: 10)
        try pipelined.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /sleep HTTP/1.1\r\nHost: x\r\n\r\n")
        // Wait until a worker holds the batch (it sleeps), then ask on another connection.
        #expect(eventually(within: 5) {
            let status = try? Self.exchange("GET /server-status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", port: server.port)
            return status?.bodyText.contains("workers: 2 busy") == true
        }, "the batch is in a worker")
        #expect(try Self.exchange("GET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", port: server.port).status == 404)
        let responses = try pipelined.readResponses(2)
        #expect(responses.map(\.status) == [404, 200])
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 10) == .exited(0))
        let logged = try Self.lines(access).compactMap { CommonLogLine($0)?.requestLine }.filter { !$0.contains("server-status") }
        #expect(logged == ["GET /second HTTP/1.1", "GET /first HTTP/1.1", "GET /sleep HTTP/1.1"])
    }

    // MARK: Flushing

    /// "flushed at least once a second": lines appear without any later request or shutdown,
    /// also for the answers the epoll reactor writes itself (400) to clients that half-closed.
    @Test(arguments: modes)
    func linesAreFlushedWithoutFurtherTraffic(mode: ServerMode) throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        let access = directory.path("access.log")
        let server = try ServerProcess.start(["--mode", mode.rawValue, "--access-log", access])
        #expect(try Self.exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", port: server.port).status == 200)
        for _ in 0..<3 {
            #expect(try Self.exchange("BAD\r\n\r\n", port: server.port, halfClose: true).status == 400)
        }
        let flushed = eventually(within: 4) { ((try? Self.lines(access)) ?? []).count == 4 }
        #expect(flushed, "after 4 s the access log holds \(String(describing: try? Self.lines(access)))")
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 10) == .exited(0))
        #expect(try Self.lines(access).count == 4, "nothing lost or doubled at exit")
    }

    @Test(arguments: modes)
    func accessLogOnStandardOutputFollowsTheListeningLine(mode: ServerMode) throws {
        let server = try ServerProcess.start(["--mode", mode.rawValue, "--access-log", "-"])
        let requests = [
            ("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "\"GET / HTTP/1.1\" 200"),
            ("GET /missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "\"GET /missing HTTP/1.1\" 404"),
            ("HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "\"HEAD / HTTP/1.1\" 200 -"),
        ]
        for (request, _) in requests { _ = try Self.exchange(request, port: server.port) }
        // Flushed within about a second, before any shutdown.
        #expect(eventually(within: 4) { server.stdout.lines.count == 1 + requests.count },
                "stdout: \(server.stdout.text)")
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 10) == .exited(0))
        let lines = server.stdout.lines
        #expect(lines.first == server.listeningLine)
        #expect(lines.count == 1 + requests.count, "stdout: \(server.stdout.text)")
        for line in lines.dropFirst() { #expect(CommonLogLine(line) != nil, "not an access log line on stdout: \(line.debugDescription)") }
        for (_, fragment) in requests {
            #expect(lines.dropFirst().filter { $0.contains(fragment) }.count == 1, "one line with \(fragment)")
        }
    }

    // MARK: SIGHUP

    /// logrotate's way: rename both files, SIGHUP, and the next lines go to new files at the
    /// old paths while the renamed ones get nothing more.
    @Test(arguments: modes)
    func sighupReopensServerLogAndAccessLog(mode: ServerMode) throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        let log = directory.path("server.log")
        let access = directory.path("access.log")
        let (oldLog, oldAccess) = (log + ".1", access + ".1")
        let server = try ServerProcess.start(["--mode", mode.rawValue, "--log-file", log, "--access-log", access])
        #expect(eventually(within: 5) { Self.text(log).contains(server.listeningLine) }, "startup logged: \(Self.text(log))")

        for index in 1...2 { #expect(try server.get("/before-\(index)").status == 404) }
        #expect(eventually(within: 5) { Self.text(access).split(separator: "\n").count == 2 },
                "the first lines are flushed within about a second: \(Self.text(access).debugDescription)")

        try FileManager.default.moveItem(atPath: log, toPath: oldLog)
        try FileManager.default.moveItem(atPath: access, toPath: oldAccess)
        server.signal(SIGHUP)
        #expect(eventually(within: 5) { Self.text(log).contains("SIGHUP") },
                "a new server log with the reopen line: \(Self.text(log).debugDescription)")
        #expect(FileManager.default.fileExists(atPath: access), "SIGHUP creates a new access log")
        let oldLogText = Self.text(oldLog)
        let oldAccessText = Self.text(oldAccess)

        for index in 1...3 { #expect(try server.get("/after-\(index)").status == 404) }
        #expect(eventually(within: 5) { Self.text(access).split(separator: "\n").count == 3 },
                "the next lines go to the new access log: \(Self.text(access).debugDescription)")

        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 10) == .exited(0))
        let newAccess = try Self.lines(access)
        #expect(newAccess.count == 3)
        #expect(Set(newAccess.compactMap { CommonLogLine($0)?.requestLine }) == Set((1...3).map { "GET /after-\($0) HTTP/1.1" }),
                "\(newAccess)")
        let rotatedAccess = try Self.lines(oldAccess)
        #expect(rotatedAccess.count == 2 && rotatedAccess.allSatisfy { $0.contains("/before-") }, "\(rotatedAccess)")
        #expect(Self.text(oldAccess) == oldAccessText, "nothing more goes to the renamed access log")
        #expect(Self.text(oldLog) == oldLogText, "nothing more goes to the renamed server log")
        #expect(oldLogText.contains(server.listeningLine))
        let newLog = Self.text(log)
        #expect(newLog.contains("SIGHUP") && newLog.contains("shut"), "reopen and shutdown lines: \(newLog.debugDescription)")
        #expect(!newLog.contains(server.listeningLine))
        #expect(server.stderr.text.isEmpty, "the log goes to the file, not stderr: \(server.stderr.text)")
        #expect(server.stdout.text == server.listeningLine + "\n")
    }

    // MARK: Helpers

    /// Sends `request` on a new connection (nothing, if empty) and reads the response up to the
    /// server's close; `halfClose` shuts down our sending side first.
    static func exchange(_ request: String, port: UInt16, halfClose: Bool = false) throws -> TestResponse {
        let client = try TestClient(port: port, timeout: 10)
        if !request.isEmpty { try client.send(request) }
        if halfClose { try client.socket.shutdown(.write) }
        let bytes = try client.readToEnd()
        guard let response = TestResponse(prefixOf: bytes, bodyUntilEnd: true, headRequest: request.hasPrefix("HEAD ")) else {
            throw TestFailure("no response to \(request.prefix(40).debugDescription): \(String(decoding: bytes.prefix(200), as: UTF8.self))")
        }
        return response
    }

    /// The file's text, or "" if it cannot be read (yet).
    static func text(_ path: String) -> String { (try? CommandLineTests.contents(path)) ?? "" }

    /// The file's lines; every line must end with a newline.
    static func lines(_ path: String) throws -> [String] {
        let text = try CommandLineTests.contents(path)
        guard !text.isEmpty else { return [] }
        guard text.hasSuffix("\n") else { throw TestFailure("\(path) ends with a partial line: \(text.debugDescription)") }
        return text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
}

/// One access log line in Common Log Format, as Apache and nginx write it:
/// `127.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "REQUEST LINE" STATUS BYTES`.
struct CommonLogLine {
    /// The request line with the log's escaping undone (`\"`, `\\`, `\xHH`).
    let requestLine: String
    let status: Int
    /// The body byte count as written: digits, or `-` for none.
    let bytes: String
    let epochSeconds: Int

    init?(_ line: String) {
        let pattern = #"^127\.0\.0\.1 - - \[(\d{2})/([A-Z][a-z]{2})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) \+0000\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-)$"#
        guard let regex = try? Regex(pattern), let match = line.wholeMatch(of: regex) else { return nil }
        let fields = (1...9).map { match.output[$0].substring.map(String.init) ?? "" }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let month = months.firstIndex(of: fields[1]), let day = Int32(fields[0]), let year = Int32(fields[2]),
              let hour = Int32(fields[3]), let minute = Int32(fields[4]), let second = Int32(fields[5]),
              (1...31).contains(day), hour < 24, minute < 60, second < 61,
              let requestLine = Self.unescape(fields[6]), let status = Int(fields[7])
        else { return nil }
        if fields[8].hasPrefix("0") { return nil }  // no body bytes is `-`, never 0
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = Int32(month)
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        epochSeconds = Int(timegm(&parts))
        self.requestLine = requestLine
        self.status = status
        bytes = fields[8]
    }

    private static func unescape(_ text: String) -> String? {
        var bytes: [UInt8] = []
        let source = Array(text.utf8)
        var index = 0
        while index < source.count {
            guard source[index] == UInt8(ascii: "\\") else {
                bytes.append(source[index])
                index += 1
                continue
            }
            guard index + 1 < source.count else { return nil }
            switch source[index + 1] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes.append(source[index + 1])
                index += 2
            case UInt8(ascii: "x"):
                guard index + 3 < source.count, let byte = UInt8(String(decoding: source[(index + 2)...(index + 3)], as: UTF8.self), radix: 16) else { return nil }
                bytes.append(byte)
                index += 4
            default:
                return nil
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
