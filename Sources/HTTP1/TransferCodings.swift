/// The transfer codings of a request, over all its Transfer-Encoding lines (RFC 9112 §6.1).
///
/// Invariant: `verdict` is `nil` exactly when the codings are a single `chunked`, the only
/// coding this server decodes.
struct TransferCodings: Sendable {
    private(set) var isPresent = false
    private var sawChunked = false
    private var lastIsChunked = false
    private var sawOtherCoding = false

    /// Adds one Transfer-Encoding line; `chunked` twice is an error at once.
    mutating func take(_ bytes: Span<UInt8>, _ value: Range<Int>) -> HTTPError? {
        isPresent = true
        var error: HTTPError?
        forEachListElement(bytes, value) { element in
            if equalsIgnoringCase(bytes, element, "chunked") {
                if sawChunked { error = error ?? .chunkedTwice }
                sawChunked = true
                lastIsChunked = true
            } else {
                sawOtherCoding = true
                lastIsChunked = false
            }
        }
        return error
    }

    /// RFC 9112 §6.3: a request whose final coding is not chunked cannot be framed (400);
    /// chunked over another coding is framed but not implemented here (501).
    var verdict: HTTPError? {
        if !lastIsChunked { return .transferEncodingNotEndingInChunked }
        if sawOtherCoding { return .unsupportedTransferCoding }
        return nil
    }
}
