/// A request the server refuses, with the status code the contract gives it and a one-line
/// reason for the response body.
///
/// Invariant: every case maps to exactly one status, and every such response closes the
/// connection, because after a framing error the next request's first byte is unknown.
public enum HTTPError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformedRequestLine
    case invalidTarget
    case unsupportedVersion
    case malformedHeaderLine
    case whitespaceBeforeColon
    case obsoleteLineFolding
    case bareCarriageReturn
    case nulByte
    case missingHost
    case duplicateHost
    case invalidHost
    case invalidContentLength
    case conflictingContentLength
    case contentLengthWithTransferEncoding
    case transferEncodingNotEndingInChunked
    case chunkedTwice
    case transferEncodingInHTTP10
    case unsupportedTransferCoding
    case bodyTooLarge
    case requestLineTooLong
    case headerFieldsTooLarge
    case malformedChunk
    case chunkSizeTooLong
    case chunkFramingTooLong
    case headerTimeout
    case bodyTimeout

    /// The response status for this error (RFC 9110 / RFC 9112, and Docs/HTTP.md).
    public var status: HTTPStatus {
        switch self {
        case .unsupportedVersion: .httpVersionNotSupported
        case .unsupportedTransferCoding: .notImplemented
        case .bodyTooLarge: .contentTooLarge
        case .requestLineTooLong: .uriTooLong
        case .headerFieldsTooLarge: .requestHeaderFieldsTooLarge
        case .headerTimeout, .bodyTimeout: .requestTimeout
        default: .badRequest
        }
    }

    /// What was wrong, in one line, for the response body and the log.
    public var description: String {
        switch self {
        case .malformedRequestLine: "malformed request line (expected METHOD SP TARGET SP HTTP/d.d)"
        case .invalidTarget: "request target must be origin-form (/path) or absolute-form (http://host/path) in visible ASCII"
        case .unsupportedVersion: "only HTTP/1.0 and HTTP/1.1 are supported"
        case .malformedHeaderLine: "malformed header line"
        case .whitespaceBeforeColon: "whitespace between header name and colon"
        case .obsoleteLineFolding: "obsolete line folding in header"
        case .bareCarriageReturn: "bare CR in request head"
        case .nulByte: "NUL byte in request head"
        case .missingHost: "HTTP/1.1 request without Host header"
        case .duplicateHost: "more than one Host header"
        case .invalidHost: "Host header is not host[:port] (a name, an IPv4 address or a bracketed IP literal, then an optional port of digits)"
        case .invalidContentLength: "Content-Length is not a non-empty string of digits"
        case .conflictingContentLength: "Content-Length given twice with different values"
        case .contentLengthWithTransferEncoding: "both Transfer-Encoding and Content-Length"
        case .transferEncodingNotEndingInChunked: "Transfer-Encoding does not end in chunked"
        case .chunkedTwice: "chunked given twice in Transfer-Encoding"
        case .transferEncodingInHTTP10: "Transfer-Encoding in an HTTP/1.0 request"
        case .unsupportedTransferCoding: "unsupported transfer coding (only chunked is implemented)"
        case .bodyTooLarge: "request body larger than the server accepts"
        case .requestLineTooLong: "request line longer than the header limit"
        case .headerFieldsTooLarge: "request head larger than the header limit"
        case .malformedChunk: "broken chunked framing"
        case .chunkSizeTooLong: "chunk size of more than 16 hex digits"
        case .chunkFramingTooLong: "chunk-size line (with its extensions) or trailer section longer than 8192 bytes"
        case .headerTimeout: "request head not received in time"
        case .bodyTimeout: "request body not received in time"
        }
    }
}
