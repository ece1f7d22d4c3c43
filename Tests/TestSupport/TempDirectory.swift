import Foundation

/// A fresh directory under the system's temporary directory, removed by `remove()`.
public final class TempDirectory: Sendable {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("hello-server-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of `name` inside the directory.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    public func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Runs `body` with the path of a fresh temporary directory, removed afterwards.
public func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let directory = try TempDirectory()
    defer { directory.remove() }
    return try body(directory.url.path)
}
