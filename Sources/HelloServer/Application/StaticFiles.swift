import HTTP1
import LinuxIO

/// Regular files under a document root.
///
/// Invariant: `rootPath` is the root's real path (no symlinks), and a file is read only when
/// its own real path is `rootPath` followed by `/`, so nothing outside the root is read,
/// whatever links the tree holds. A directory is never served itself: only its `index.html`,
/// under the same rule, for a path ending in `/` (Docs/HTTP.md, Files).
struct StaticFiles: Sendable {
    let rootPath: String

    init?(root: String) {
        guard let real = resolvedPath(root),
              let directory = try? FileDescriptor.openReadOnly(real),
              (try? directory.regularFileSize()) == .some(nil)
        else { return nil }
        rootPath = real == "/" ? "" : real
    }

    /// The answer to `head` for the file at `path` (a `RequestPath.safe` path), or `nil` if there
    /// is none (Docs/HTTP.md, Files): 200 with its validators, 304 when the client's copy is
    /// current, 206 with one range of it, or 416 when no range is inside it. The file's bytes are
    /// never read here: the decision carries the open file, and the sender sends from it.
    func response(for path: String, to head: RequestHead) -> RouteDecision? {
        // A directory's index, for a path that ends in `/`; never the directory itself.
        let isIndex = path.hasSuffix("/")
        let filePath = isIndex ? path + "index.html" : path
        guard let file = open(filePath) else { return nil }
        guard let status = try? file.regularFileStatus() else {
            // A directory whose index would be served, named without its slash: send the client
            // there. (An index that is itself a directory is 404, not a redirect to `dir//`.)
            guard !isIndex, isRegularFile(path + "/index.html") else { return nil }
            let location = Self.addingSlash(to: head.target)
            return RouteDecision(response: PreparedResponse(
                status: .movedPermanently, contentType: "text/plain; charset=utf-8",
                body: Array("301 Moved Permanently: \(location)\n".utf8), extraHeaders: [("Location", location)]))
        }
        let validators = FileValidators(size: status.size, lastModified: status.modified, modifiedNanoseconds: status.nanoseconds)
        let lines = [("Last-Modified", HTTPDate.format(epochSeconds: validators.lastModified)), ("ETag", validators.entityTag.fieldValue)]
        let contentType = ContentType.forPath(filePath)
        let isHead = head.method == "HEAD"
        var range = 0..<validators.size
        var answer = PreparedResponse(status: .ok, contentType: contentType, contentLength: validators.size, extraHeaders: lines + [Self.acceptRanges])
        switch validators.answer(to: head.conditionals, isHead: isHead, now: WallClock.secondsSinceEpoch) {
        case .notModified:
            return RouteDecision(response: PreparedResponse(notModifiedWith: lines))
        case .rangeNotSatisfiable:
            return RouteDecision(response: PreparedResponse(
                status: .rangeNotSatisfiable, contentType: "text/plain; charset=utf-8",
                body: Array("416 Range Not Satisfiable: no requested range is inside the file's \(validators.size) bytes\n".utf8),
                extraHeaders: [("Content-Range", validators.unsatisfiedRange)]))
        case .part(let part):
            // Sent from its offset: nothing before the range is read.
            range = part.lowerBound..<(part.upperBound + 1)
            answer = PreparedResponse(
                status: .partialContent, contentType: contentType, contentLength: part.count,
                extraHeaders: [("Content-Range", validators.contentRange(part))] + lines + [Self.acceptRanges])
        case .whole:
            break
        }
        var decision = RouteDecision(response: answer)
        if !isHead && !range.isEmpty { decision.file = FileBody(file, offset: range.lowerBound, count: range.count) }
        return decision
    }

    private static let acceptRanges = (name: "Accept-Ranges", value: "bytes")

    /// The bytes of the regular file at `path` under the root, or `nil`.
    func read(_ path: String) -> [UInt8]? {
        guard let file = open(path), let size = try? file.regularFileSize() else { return nil }
        return try? file.readAll(size: size)
    }

    private func isRegularFile(_ path: String) -> Bool {
        guard let file = open(path) else { return false }
        return (try? file.regularFileStatus()) != nil
    }

    /// The request target with `/` added to its path, its query kept.
    static func addingSlash(to target: String) -> String {
        guard let query = target.firstIndex(of: "?") else { return target + "/" }
        return target[..<query] + "/" + target[query...]
    }

    /// The file at `path`, opened only if its real path is inside the root.
    private func open(_ path: String) -> FileDescriptor? {
        guard let real = resolvedPath(rootPath + path), real.hasPrefix(rootPath + "/") else { return nil }
        return try? FileDescriptor.openReadOnly(real, noFollow: true)
    }
}
