import HTTP1
import LinuxIO

/// What the server does with a request: answer at once, or wait first (`/sleep`).
struct RouteDecision: Sendable {
    var response: PreparedResponse
    /// How long to wait before answering (the book's slow request).
    var delay = Duration.zero
    /// HEAD: the same status and headers as GET, no body.
    var omitBody = false
    /// The file whose bytes follow the head (the response's own `body` is then empty).
    var file: FileBody?

    /// The body bytes this answer sends, for the access log and the counters.
    var bodyBytes: Int { omitBody ? 0 : file?.remaining ?? response.body.count }

    /// A malformed request (400) ends the connection, like every parse error.
    var closesConnection: Bool { response.status == .badRequest }
}

/// Maps a request head to its response (Docs/HTTP.md, Routes), shared by every mode.
///
/// Invariant: it never serves a byte from outside the root: paths are decoded once and
/// checked lexically (`RequestPath`), then resolved with realpath(3) and required to stay
/// under the root's own real path, so symlinks that leave the root are 404 too.
final class Router: Sendable {
    private let sleep: Duration
    private let files: StaticFiles?
    private let hello: PreparedResponse
    private let notFound: PreparedResponse
    private let methodNotAllowed: PreparedResponse
    /// Set when `/server-status` and `/metrics` are served; otherwise they are ordinary paths.
    private let status: StatusReport?

    init(configuration: Configuration, status: StatusReport?) throws(RouterError) {
        sleep = .milliseconds(configuration.sleepMilliseconds)
        self.status = status
        if let root = configuration.root {
            guard let files = StaticFiles(root: root) else { throw RouterError.rootNotADirectory(root) }
            self.files = files
        } else {
            files = nil
        }
        hello = PreparedResponse(status: .ok, contentType: ContentType.html, body: Array(Pages.hello.utf8))
        notFound = PreparedResponse(status: .notFound, contentType: ContentType.html, body: Array(Pages.notFound.utf8))
        methodNotAllowed = PreparedResponse(
            status: .methodNotAllowed, contentType: "text/plain; charset=utf-8",
            body: Array("405 Method Not Allowed: only GET and HEAD are supported\n".utf8),
            extraHeaders: [("Allow", "GET, HEAD")])
    }

    func route(_ head: RequestHead) -> RouteDecision {
        // Decided before routing, so a POST to /sleep does not wait.
        guard head.isGetOrHead else { return RouteDecision(response: methodNotAllowed) }
        var decision: RouteDecision
        switch RequestPath(decoding: head.path) {
        case .malformed:
            decision = RouteDecision(response: PreparedResponse(error: .invalidTarget))
        case .forbidden:
            decision = RouteDecision(response: notFoundPage())
        case .safe("/"):
            decision = helloPage(head)
        case .safe("/sleep"):
            decision = helloPage(head)
            decision.delay = sleep
        case .safe("/server-status") where status != nil:
            decision = RouteDecision(response: PreparedResponse(
                status: .ok, contentType: "text/plain; charset=utf-8", body: Array(status!.text().utf8)))
        case .safe("/metrics") where status != nil:
            decision = RouteDecision(response: PreparedResponse(
                status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: Array(status!.prometheus().utf8)))
        case .safe(let path):
            decision = files?.response(for: path, to: head) ?? RouteDecision(response: notFoundPage())
        }
        decision.omitBody = head.method == "HEAD"
        if decision.omitBody { decision.file = nil }  // its descriptor closes here
        return decision
    }

    private func helloPage(_ head: RequestHead) -> RouteDecision {
        guard let files else { return RouteDecision(response: hello) }
        return files.response(for: "/hello.html", to: head) ?? RouteDecision(response: notFoundPage())
    }

    private func notFoundPage() -> PreparedResponse {
        guard let files, let page = files.read("/404.html") else { return notFound }
        return PreparedResponse(status: .notFound, contentType: ContentType.html, body: page)
    }
}

/// Why the router could not be set up.
enum RouterError: Error, CustomStringConvertible {
    case rootNotADirectory(String)

    var description: String {
        switch self {
        case .rootNotADirectory(let root): "--root \(root) is not a readable directory"
        }
    }
}
