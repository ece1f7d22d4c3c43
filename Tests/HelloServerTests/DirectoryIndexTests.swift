import Foundation
import Glibc
import HelloServer
import TestSupport
import Testing

/// A directory's `index.html` under `--root` (Docs/HTTP.md, Routes), in every mode: served for
/// the path with its `/`, a 301 that adds the `/` (query kept), and 404 for every other directory.
@Suite(.timeLimit(.minutes(3)))
final class DirectoryIndexTests {
    let base: TempDirectory

    init() throws {
        base = try TempDirectory()
        let files = FileManager.default
        let root = base.path("www")
        for directory in ["docs/guide", "noindex", "dirindex/index.html", "symlinked"] {
            try files.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
        }
        try files.createDirectory(atPath: base.path("outside"), withIntermediateDirectories: true)
        try "<h1>Docs</h1>".write(toFile: root + "/docs/index.html", atomically: true, encoding: .utf8)
        // An index that is a directory with an index of its own: 404, never a redirect to `dirindex//`.
        try "nested".write(toFile: root + "/dirindex/index.html/index.html", atomically: true, encoding: .utf8)
        try "secret index".write(toFile: base.path("outside/index.html"), atomically: true, encoding: .utf8)
        // An index that is a link out of the root, and a directory link out of the root.
        try files.createSymbolicLink(atPath: root + "/symlinked/index.html", withDestinationPath: base.path("outside/index.html"))
        try files.createSymbolicLink(atPath: root + "/away", withDestinationPath: base.path("outside"))
        // A FIFO: opening it for reading would wait for a writer, so it must be opened without waiting.
        #expect(mkfifo(root + "/pipe", 0o644) == 0)
    }

    deinit { base.remove() }

    private func server(_ mode: ServerMode) throws -> TestServer {
        let root = base.path("www")
        return try TestServer(mode) { $0.root = root }
    }

    @Test("a path ending in / serves the directory's index.html, with the file's validators", arguments: ServerMode.allCases)
    func index(mode: ServerMode) throws {
        let server = try server(mode)
        let response = try server.get("/docs/")
        #expect(response.status == 200)
        #expect(response.bodyText == "<h1>Docs</h1>")
        #expect(response.header("Content-Type") == "text/html; charset=utf-8")
        #expect(response.header("ETag") != nil)
        #expect(try server.get("/docs/?q=1").bodyText == "<h1>Docs</h1>")
    }

    @Test("the same path without its / gets 301 with a Location that adds it, the query kept", arguments: ServerMode.allCases)
    func redirect(mode: ServerMode) throws {
        let server = try server(mode)
        for (target, location) in [("/docs", "/docs/"), ("/docs?q=1&r=2", "/docs/?q=1&r=2"), ("/%64ocs", "/%64ocs/")] {
            let response = try server.exchange("GET \(target) HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
            #expect(response.status == 301, "\(target)")
            #expect(response.header("Location") == location, "\(target)")
        }
        #expect(try server.get("/docs/").status == 200, "serves on")
    }

    @Test("every other directory is 404: no index, an index that is a directory or a link out of the root, a directory link out of the root", arguments: ServerMode.allCases)
    func otherDirectories(mode: ServerMode) throws {
        let server = try server(mode)
        for path in ["/docs/guide/", "/docs/guide", "/noindex/", "/noindex", "/dirindex/", "/dirindex//", "/symlinked/", "/symlinked",
                     "/away/", "/away", "/away/index.html"] {
            let response = try server.get(path)
            #expect(response.status == 404, "\(path)")
            #expect(!response.bodyText.contains("secret"), "\(path)")
        }
    }

    @Test("a FIFO under the root is 404 at once, and the server serves on (opening it never waits)", arguments: ServerMode.allCases)
    func fifo(mode: ServerMode) throws {
        let server = try server(mode)
        // Should a server thread block opening the FIFO after all, a writer releases it, so the
        // test fails (the GET times out) rather than hangs.
        let pipe = base.path("www/pipe")
        defer {
            let writer = open(pipe, O_WRONLY | O_NONBLOCK)
            if writer >= 0 { close(writer) }
        }
        let started = Date()
        let client = try server.connect(timeout: 3)
        try client.send("GET /pipe HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        #expect(try client.readResponse().status == 404)
        #expect(Date().timeIntervalSince(started) < 2)
        #expect(try server.get("/docs/").status == 200)
    }
}
