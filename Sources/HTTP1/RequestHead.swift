/// The HTTP versions the server speaks.
public enum HTTPVersion: Sendable, Equatable {
    case http1_0, http1_1

    public var text: String {
        switch self {
        case .http1_0: "HTTP/1.0"
        case .http1_1: "HTTP/1.1"
        }
    }
}

/// How the body of a request is delimited (RFC 9112 §6.3).
public enum BodyFraming: Sendable, Equatable {
    /// No body.
    case none
    /// Exactly this many bytes (non-zero).
    case contentLength(Int)
    /// The chunked transfer coding.
    case chunked
}

/// A parsed, validated request head: what the server needs to route and frame a request.
///
/// Invariant: it satisfies every rule of Docs/HTTP.md (a parser that finds a
/// violation yields an `HTTPError` instead), so `path` starts with `/` or the target is `*`,
/// and `framing`'s length is within the body limit the parser was given.
public struct RequestHead: Sendable, Equatable {
    /// The method token as sent (case-sensitive: `get` is not `GET`).
    public var method: String
    /// The request target as sent: origin-form, absolute-form or `*`.
    public var target: String
    /// The target's path, without query: for absolute-form the part after the authority
    /// (`/` when empty); `*` for an asterisk target.
    public var path: String
    public var version: HTTPVersion
    /// Whether the connection may stay open after the response (RFC 9112 §9.3).
    public var keepAlive: Bool
    /// Whether the request asked for keep-alive explicitly (HTTP/1.0 `Connection: keep-alive`),
    /// which the response then confirms.
    public var keepAliveRequested: Bool
    public var framing: BodyFraming
    /// `Expect: 100-continue` was sent (RFC 9110 §10.1.1).
    public var expectsContinue: Bool
    /// If-None-Match, If-Modified-Since, Range and If-Range as sent; `nil` when none was.
    public var conditionals: ConditionalFields?

    public init(
        method: String, target: String, path: String, version: HTTPVersion,
        keepAlive: Bool, keepAliveRequested: Bool = false, framing: BodyFraming = .none, expectsContinue: Bool = false,
        conditionals: ConditionalFields? = nil
    ) {
        self.method = method
        self.target = target
        self.path = path
        self.version = version
        self.keepAlive = keepAlive
        self.keepAliveRequested = keepAliveRequested
        self.framing = framing
        self.expectsContinue = expectsContinue
        self.conditionals = conditionals
    }

    /// The request line as the client sent it, for the access log.
    public var requestLine: String { "\(method) \(target) \(version.text)" }

    public var isGetOrHead: Bool { method == "GET" || method == "HEAD" }
}
