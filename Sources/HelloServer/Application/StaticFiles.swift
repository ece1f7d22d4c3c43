import HTTP1
import LinuxIO

/// Regular files under a document root.
///
/// Invariant: `rootPath` is the root's real path (no symlinks), and a file is read only when
/// its own real path is `rootPath` followed by `/`, so nothing outside the root is read,
/// whatever links the tree holds. Directories are never served.
struct StaticFiles: Sendable {
    let rootPath: String

    init?(root: String) {
        guard let real = resolvedPath(root),
              let directory = try? FileDescriptor.openReadOnly(real),
              (try? directory.regularFileSize()) == .some(nil)
        else { return nil }
        rootPath = real == "/" ? "" : real
    }

    /// 200 with the file at `path` (a `RequestPath.safe` path), or `nil` if there is none.
    func response(for path: String) -> PreparedResponse? {
        guard let body = read(path) else { return nil }
        return PreparedResponse(status: .ok, contentType: ContentType.forPath(path), body: body)
    }

    /// The bytes of the regular file at `path` under the root, or `nil`.
    func read(_ path: String) -> [UInt8]? {
        guard let real = resolvedPath(rootPath + path), real.hasPrefix(rootPath + "/") else { return nil }
        do {
            let file = try FileDescriptor.openReadOnly(real, noFollow: true)
            guard let size = try file.regularFileSize() else { return nil }
            return try file.readAll(size: size)
        } catch {
            return nil
        }
    }
}
