/// A response whose status line, fixed headers and body are encoded once and reused.
///
/// Invariant: `head` holds the status line and `Server`, `Content-Type`, `Content-Length`
/// (the body's true length, or that of a body sent from elsewhere, a file; a 304 has neither,
/// nor a body) and any extra headers, each ending in CRLF, but neither
/// `Date` nor `Connection` nor the blank line: those depend on the moment and the request
/// and are added by `encodeHead`.
public struct PreparedResponse: Sendable, Equatable {
    public let status: HTTPStatus
    public let head: [UInt8]
    public let body: [UInt8]

    public init(status: HTTPStatus, contentType: String, body: [UInt8], extraHeaders: [(name: String, value: String)] = []) {
        self.init(status: status, lines: [("Content-Type", contentType), ("Content-Length", String(body.count))] + extraHeaders, body: body)
    }

    /// A head for a body of `contentLength` bytes that is sent from elsewhere (a file, with
    /// sendfile); `body` is empty.
    public init(status: HTTPStatus, contentType: String, contentLength: Int, extraHeaders: [(name: String, value: String)] = []) {
        self.init(status: status, lines: [("Content-Type", contentType), ("Content-Length", String(contentLength))] + extraHeaders, body: [])
    }

    /// 304 Not Modified (RFC 9110 §15.4.5): no body and no Content-Length (it would have to be
    /// the length of the representation not sent), with the validators in `headers`.
    public init(notModifiedWith headers: [(name: String, value: String)]) {
        self.init(status: .notModified, lines: headers, body: [])
    }

    /// The status line, `Server`, then `lines`, each ending in CRLF.
    private init(status: HTTPStatus, lines: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        var text = "HTTP/1.1 \(status.code) \(status.reason)\r\nServer: hello-server\r\n"
        for line in lines { text += "\(line.name): \(line.value)\r\n" }
        head = Array(text.utf8)
        self.body = body
    }

    /// A plain-text error response naming what was wrong, e.g. `400 Bad Request: bare CR in request head`.
    public init(error: HTTPError) {
        self.init(
            status: error.status, contentType: "text/plain; charset=utf-8",
            body: Array("\(error.status.code) \(error.status.reason): \(error.description)\n".utf8))
    }
}

/// What the `Connection` header of a response says.
public enum ConnectionDirective: Sendable, Equatable {
    /// HTTP/1.1 persistence is the default: no `Connection` header.
    case persistent
    /// `Connection: keep-alive`, confirming an HTTP/1.0 client's request (what `ab -k` needs).
    case keepAlive
    /// `Connection: close`: the server closes after this response.
    case close

    /// The directive for a response to `head` when the server will (or will not) keep the
    /// connection open afterwards.
    public static func forResponse(to head: RequestHead?, serverKeepsOpen: Bool) -> ConnectionDirective {
        guard serverKeepsOpen, let head, head.keepAlive else { return .close }
        return head.keepAliveRequested ? .keepAlive : .persistent
    }
}

/// The lines that end a response head, one set per `ConnectionDirective`, encoded once for the
/// server's keep-alive timeout.
///
/// Invariant: every directive that keeps the connection open carries
/// `Keep-Alive: timeout=N` (N = the timeout in whole seconds, rounded down, at least 1), so a
/// client drops an idle connection before the server closes it and no request races the
/// close; `close` carries `Connection: close` and no hint. Each set ends with the blank line.
public struct ConnectionHeaderLines: Sendable, Equatable {
    public let persistent: [UInt8]
    public let keepAlive: [UInt8]
    public let close: [UInt8]
    /// N of `Keep-Alive: timeout=N`.
    public let hintSeconds: Int

    public init(keepAliveTimeout seconds: Double) {
        hintSeconds = max(1, Int(min(seconds.rounded(.down), Double(Int32.max))))
        let hint = "Keep-Alive: timeout=\(hintSeconds)\r\n"
        persistent = Array("\(hint)\r\n".utf8)
        keepAlive = Array("Connection: keep-alive\r\n\(hint)\r\n".utf8)
        close = Array("Connection: close\r\n\r\n".utf8)
    }

    public func lines(for directive: ConnectionDirective) -> [UInt8] {
        switch directive {
        case .persistent: persistent
        case .keepAlive: keepAlive
        case .close: close
        }
    }
}

extension PreparedResponse {
    /// Appends the complete head, with `dateLine` (`Date: ...\r\n`) and the connection
    /// headers for `connection` from `lines`, to `buffer`; the body is sent after it (or not
    /// at all, for HEAD).
    public func encodeHead(into buffer: inout [UInt8], dateLine: [UInt8], connection: ConnectionDirective, lines: ConnectionHeaderLines) {
        buffer.append(contentsOf: head)
        buffer.append(contentsOf: dateLine)
        buffer.append(contentsOf: lines.lines(for: connection))
    }
}
