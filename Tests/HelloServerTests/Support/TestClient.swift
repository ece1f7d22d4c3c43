import Foundation
import Glibc
import LinuxIO
import TestSupport

/// A blocking TCP client for tests, every read bounded by a timeout so no test can hang.
final class TestClient {
    let socket: Socket
    /// Bytes received beyond the responses returned so far.
    private var pending: [UInt8] = []

    init(port: UInt16, host: String = "127.0.0.1", timeout: Double = 10) throws {
        socket = try Socket.connect(to: try SocketAddress.resolve(host: host, port: port))
        try socket.setTimeouts(receive: .seconds(timeout), send: .seconds(timeout))
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let result = try bytes.withUnsafeBytes { buffer in
                try socket.write(UnsafeRawBufferPointer(rebasing: buffer[offset...]))
            }
            guard case .bytes(let count) = result else { throw TestFailure("send timed out") }
            offset += count
        }
    }

    /// Sends one byte at a time with `pause` seconds between bytes (a slow client).
    func drip(_ text: String, pause: Double) throws {
        for byte in Array(text.utf8) {
            try send([byte])
            usleep(UInt32(pause * 1_000_000))
        }
    }

    /// Reads until the server closes; throws on timeout. Returns everything received.
    func readToEnd() throws -> [UInt8] {
        var all = pending
        pending = []
        while true {
            switch try receive(into: &all) {
            case .bytes: continue
            case .endOfFile: return all
            case .wouldBlock: throw TestFailure("timed out waiting for the server to close (got \(all.count) bytes)")
            }
        }
    }

    /// Reads one response: until the server closes, or (with `untilClose: false`) just the
    /// head and its Content-Length body.
    func readResponse(untilClose: Bool = true, headRequest: Bool = false) throws -> TestResponse {
        if untilClose { return try TestResponse(parsing: readToEnd()) }
        while true {
            if let response = TestResponse(prefixOf: pending, headRequest: headRequest) {
                pending = response.rest
                return response
            }
            switch try receivePending() {
            case .bytes: continue
            case .endOfFile: return try TestResponse(parsing: pending)
            case .wouldBlock: throw TestFailure("timed out waiting for a response")
            }
        }
    }

    /// One read(2) appended to `bytes`.
    private func receive(into bytes: inout [UInt8]) throws -> IOResult {
        var scratch = [UInt8](repeating: 0, count: 65_536)
        return try socket.read(appendingTo: &bytes, scratch: &scratch)
    }

    /// One read(2) appended to the pending bytes.
    private func receivePending() throws -> IOResult {
        var bytes = pending
        pending = []
        defer { pending = bytes }
        return try receive(into: &bytes)
    }

    /// Reads `count` responses in a row from one connection (pipelining, keep-alive).
    func readResponses(_ count: Int) throws -> [TestResponse] {
        try (0..<count).map { _ in try readResponse(untilClose: false) }
    }

    /// Reads everything until the server ends the connection (end of file or reset); returns
    /// how many bytes came and whether it did end within the socket's receive timeout.
    func drainUntilServerCloses() -> (bytes: Int, closed: Bool) {
        var received = 0
        var sink: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            do {
                switch try socket.read(appendingTo: &sink, scratch: &scratch) {
                case .bytes(let count):
                    received += count
                    sink.removeAll(keepingCapacity: true)
                case .endOfFile: return (received, true)
                case .wouldBlock: return (received, false)
                }
            } catch {
                return (received, true)  // reset
            }
        }
    }

    /// Whether the server closes the connection (EOF or reset) within `timeout` seconds.
    func isClosedByServer(within timeout: Double) throws -> Bool {
        try socket.setTimeouts(receive: .seconds(timeout), send: nil)
        var sink: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: 4096)
        while true {
            do {
                switch try socket.read(appendingTo: &sink, scratch: &scratch) {
                case .bytes: continue
                case .endOfFile: return true
                case .wouldBlock: return false
                }
            } catch {
                return true
            }
        }
    }
}

/// An HTTP response as a test sees it.
struct TestResponse: CustomStringConvertible {
    let status: Int
    let statusLine: String
    let headers: [(name: String, value: String)]
    let body: [UInt8]
    /// Bytes after the first response (from pipelining or a misbehaving server).
    let rest: [UInt8]

    var bodyText: String { String(decoding: body, as: UTF8.self) }
    var description: String { "\(statusLine) \(headers) \(bodyText.prefix(200))" }

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    func headerCount(_ name: String) -> Int { headers.filter { $0.name.lowercased() == name.lowercased() }.count }

    init(parsing bytes: [UInt8]) throws {
        guard let response = TestResponse(prefixOf: bytes, bodyUntilEnd: true) else {
            throw TestFailure("not an HTTP response: \(String(decoding: bytes.prefix(300), as: UTF8.self))")
        }
        self = response
    }

    /// Parses a complete response at the front of `bytes`; `nil` if incomplete.
    init?(prefixOf bytes: [UInt8], bodyUntilEnd: Bool = false, headRequest: Bool = false) {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else { return nil }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        statusLine = lines[0]
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let code = Int(parts[1]) else { return nil }
        status = code
        headers = lines.dropFirst().map { line in
            let colon = line.firstIndex(of: ":") ?? line.endIndex
            let value = line[colon...].dropFirst().trimmingCharacters(in: .whitespaces)
            return (String(line[..<colon]), value)
        }
        let bodyStart = end + 4
        let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) }
        if bodyUntilEnd && length == nil {
            body = Array(bytes[bodyStart...])
            rest = []
            return
        }
        // Until the end: HEAD responses announce a length but carry no body.
        let count = headRequest ? 0 : bodyUntilEnd ? min(length ?? 0, bytes.count - bodyStart) : length ?? 0
        guard bytes.count >= bodyStart + count else { return nil }
        body = Array(bytes[bodyStart..<(bodyStart + count)])
        rest = Array(bytes[(bodyStart + count)...])
    }
}
