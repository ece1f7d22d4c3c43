import Foundation
import HelloServer
import Testing

/// `--root`: files with their Content-Type, and never a byte from outside the root.
@Suite(.timeLimit(.minutes(3)))
final class StaticFilesTests {
    let base: URL
    let root: URL

    init() throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("hello-root-\(UUID().uuidString)")
        root = base.appendingPathComponent("www")
        let files = FileManager.default
        try files.createDirectory(at: root.appendingPathComponent("sub/deeper"), withIntermediateDirectories: true)
        try "<h1>Custom hello</h1>".write(to: root.appendingPathComponent("hello.html"), atomically: true, encoding: .utf8)
        try "<h1>Custom 404</h1>".write(to: root.appendingPathComponent("404.html"), atomically: true, encoding: .utf8)
        try "secret".write(to: base.appendingPathComponent("secret.txt"), atomically: true, encoding: .utf8)
        try "inner".write(to: root.appendingPathComponent("sub/deeper/inner.txt"), atomically: true, encoding: .utf8)
        for name in ["a.css", "a.js", "a.json", "a.txt", "a.svg", "a.png", "a.jpg", "a.jpeg", "a.gif", "a.webp",
                     "a.ico", "a.wasm", "a.bin", "A.HTM", "noextension", "two words.txt"] {
            try Data("x".utf8).write(to: root.appendingPathComponent(name))
        }
        try files.createSymbolicLink(atPath: root.appendingPathComponent("out.txt").path, withDestinationPath: "../secret.txt")
        try files.createSymbolicLink(atPath: root.appendingPathComponent("passwd").path, withDestinationPath: "/etc/passwd")
        try files.createSymbolicLink(atPath: root.appendingPathComponent("outdir").path, withDestinationPath: base.path)
        try files.createSymbolicLink(atPath: root.appendingPathComponent("in.txt").path, withDestinationPath: "sub/deeper/inner.txt")
    }

    deinit { try? FileManager.default.removeItem(at: base) }

    func server(_ mode: ServerMode) throws -> TestServer {
        let path = root.path
        return try TestServer(mode) { $0.root = path }
    }

    @Test(arguments: [ServerMode.blocking, .pool, .epoll])
    func rootAndMissesUseTheRootsPages(mode: ServerMode) throws {
        let server = try server(mode)
        let hello = try server.get("/")
        #expect(hello.status == 200)
        #expect(hello.bodyText == "<h1>Custom hello</h1>")
        let missing = try server.get("/nothing-here.html")
        #expect(missing.status == 404)
        #expect(missing.bodyText == "<h1>Custom 404</h1>")
        #expect(try server.get("/sub/deeper/inner.txt").bodyText == "inner")
        #expect(try server.get("/in.txt").bodyText == "inner", "a symlink that stays inside the root is served")
        #expect(try server.get("/two%20words.txt").status == 200)
    }

    static let types: [(String, String)] = [
        ("/a.css", "text/css"), ("/a.js", "text/javascript"), ("/a.json", "application/json"),
        ("/a.txt", "text/plain; charset=utf-8"), ("/a.svg", "image/svg+xml"), ("/a.png", "image/png"),
        ("/a.jpg", "image/jpeg"), ("/a.jpeg", "image/jpeg"), ("/a.gif", "image/gif"), ("/a.webp", "image/webp"),
        ("/a.ico", "image/x-icon"), ("/a.wasm", "application/wasm"), ("/a.bin", "application/octet-stream"),
        ("/A.HTM", "text/html; charset=utf-8"), ("/noextension", "application/octet-stream"),
        ("/hello.html", "text/html; charset=utf-8"),
    ]

    @Test(arguments: types)
    func contentTypeByExtension(path: String, type: String) throws {
        let server = try server(.pool)
        let response = try server.get(path)
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == type)
    }

    static let escapes = [
        "/../secret.txt", "/sub/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/.%2e/secret.txt",
        "/sub%2f..%2f..%2fsecret.txt", "/sub%2Fdeeper%2Finner.txt", "/a.txt%00.html", "//etc/passwd",
        "/%2fetc/passwd", "/out.txt", "/passwd", "/outdir/secret.txt", "/sub", "/sub/", "/sub/deeper",
        "/..", "/sub/..", "/%2e%2e",
    ]

    @Test(arguments: [ServerMode.blocking, .pool, .epoll], escapes)
    func nothingOutsideTheRootAndNoDirectories(mode: ServerMode, path: String) throws {
        let server = try server(mode)
        let response = try server.get(path)
        #expect(response.status == 404, "\(path)")
        #expect(!response.bodyText.contains("secret"))
        #expect(!response.bodyText.contains("root:"))
    }

    @Test func aRootThatIsNotADirectoryIsRefused() throws {
        let file = base.appendingPathComponent("secret.txt").path
        #expect(throws: ServerError.self) { try TestServer(.pool) { $0.root = file } }
        #expect(throws: ServerError.self) { try TestServer(.pool) { $0.root = "/no/such/dir" } }
    }
}
