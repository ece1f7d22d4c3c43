import Foundation
import HTTP1
import HelloServer
import TestSupport
import Testing

/// A file's validators, conditional requests and ranges over real sockets, in every mode
/// (Docs/HTTP.md, Files): exact statuses and headers, and the server serving on after each.
@Suite(.timeLimit(.minutes(3)))
final class FileValidatorTests {
    let directory: TempDirectory
    /// 1000 bytes: byte i is `i % 251`, so any range's bytes are known.
    static let content = (0..<1000).map { UInt8($0 % 251) }
    /// The file's modification time, set exactly.
    static let modified = 1_795_000_000

    init() throws {
        directory = try TempDirectory()
        let path = directory.path("data.bin")
        #expect(FileManager.default.createFile(atPath: path, contents: Data(Self.content)))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: Double(Self.modified))], ofItemAtPath: path)
    }

    deinit { directory.remove() }

    private func server(_ mode: ServerMode) throws -> TestServer {
        let root = directory.url.path
        return try TestServer(mode) { $0.root = root }
    }

    static let etag = "\"" + String(modified, radix: 16) + "-" + String(1000, radix: 16) + "\""
    static let lastModified = HTTPDate.format(epochSeconds: modified)

    private func get(_ server: TestServer, _ headers: String = "", method: String = "GET") throws -> TestResponse {
        let client = try server.connect()
        try client.send("\(method) /data.bin HTTP/1.1\r\nHost: h\r\n\(headers)Connection: close\r\n\r\n")
        return try client.readResponse(headRequest: method == "HEAD")
    }

    @Test("a file's 200 carries Last-Modified, a strong ETag and Accept-Ranges", arguments: ServerMode.allCases)
    func validators(mode: ServerMode) throws {
        let server = try server(mode)
        let response = try get(server)
        #expect(response.status == 200)
        #expect(response.body == Self.content)
        #expect(response.header("Last-Modified") == Self.lastModified)
        #expect(response.header("ETag") == Self.etag)
        #expect(response.header("Accept-Ranges") == "bytes")
        #expect(try server.get("/").header("ETag") == nil, "the built-in pages carry no validators")
    }

    @Test("If-None-Match and If-Modified-Since give a 304 with the validators, no body and no Content-Length", arguments: ServerMode.allCases)
    func notModified(mode: ServerMode) throws {
        let server = try server(mode)
        for headers in ["If-None-Match: \(Self.etag)\r\n", "If-None-Match: W/\(Self.etag), \"x\"\r\n", "If-None-Match: *\r\n",
                        "If-Modified-Since: \(Self.lastModified)\r\n"] {
            for method in ["GET", "HEAD"] {
                let response = try get(server, headers, method: method)
                #expect(response.status == 304, "\(method) \(headers.debugDescription)")
                #expect(response.body.count == 0)
                #expect(response.header("Content-Length") == nil)
                #expect(response.header("ETag") == Self.etag && response.header("Last-Modified") == Self.lastModified)
            }
        }
        #expect(try get(server, "If-None-Match: \"other\"\r\nIf-Modified-Since: \(Self.lastModified)\r\n").status == 200,
                "If-None-Match comes first")
        #expect(try get(server, "If-Modified-Since: \(HTTPDate.format(epochSeconds: Self.modified - 1))\r\n").status == 200)
        #expect(try get(server, "If-Modified-Since: yesterday\r\n").status == 200, "an invalid date is ignored")
        #expect(try server.get("/data.bin").status == 200, "serves on")
    }

    @Test("a range is 206 with Content-Range and exactly its bytes; none satisfiable is 416", arguments: ServerMode.allCases)
    func ranges(mode: ServerMode) throws {
        let server = try server(mode)
        for (range, first, last) in [("bytes=0-99", 0, 99), ("bytes=990-5000", 990, 999), ("bytes=-10", 990, 999), ("bytes=500-", 500, 999)] {
            let response = try get(server, "Range: \(range)\r\n")
            #expect(response.status == 206, "\(range)")
            #expect(response.header("Content-Range") == "bytes \(first)-\(last)/1000", "\(range)")
            #expect(response.header("Content-Length") == String(last - first + 1))
            #expect(response.body == Array(Self.content[first...last]), "\(range)")
            #expect(response.header("ETag") == Self.etag)
        }
        let unsatisfiable = try get(server, "Range: bytes=1000-\r\n")
        #expect(unsatisfiable.status == 416)
        #expect(unsatisfiable.header("Content-Range") == "bytes */1000")
        for ignored in ["bytes=9-1", "items=0-9", "bytes=0-9,20-29"] {
            let response = try get(server, "Range: \(ignored)\r\n")
            #expect(response.status == 200 && response.body == Self.content, "\(ignored) is answered with the whole file")
        }
        #expect(try get(server, "Range: bytes=0-9\r\n", method: "HEAD").status == 200, "HEAD ignores Range")
        #expect(try server.get("/data.bin").status == 200, "serves on")
    }

    @Test("If-Range lets a range through only for the current ETag or the exact Last-Modified", arguments: ServerMode.allCases)
    func ifRange(mode: ServerMode) throws {
        let server = try server(mode)
        #expect(try get(server, "Range: bytes=0-9\r\nIf-Range: \(Self.etag)\r\n").status == 206)
        #expect(try get(server, "Range: bytes=0-9\r\nIf-Range: \(Self.lastModified)\r\n").status == 206)
        #expect(try get(server, "Range: bytes=0-9\r\nIf-Range: \"old\"\r\n").status == 200)
        #expect(try get(server, "Range: bytes=0-9\r\nIf-Range: \(HTTPDate.format(epochSeconds: Self.modified + 1))\r\n").status == 200)
    }

    @Test("pipelined ranges on one connection are answered in order")
    func pipelinedRanges() throws {
        let server = try server(.epoll)
        let client = try server.connect()
        try client.send((0..<4).map { "GET /data.bin HTTP/1.1\r\nHost: h\r\nRange: bytes=\($0 * 100)-\($0 * 100 + 9)\r\n\r\n" }.joined())
        for (index, response) in try client.readResponses(4).enumerated() {
            #expect(response.status == 206)
            #expect(response.body == Array(Self.content[(index * 100)...(index * 100 + 9)]))
        }
    }
}
