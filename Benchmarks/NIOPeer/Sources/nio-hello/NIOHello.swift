// nio-hello: the SwiftNIO peer of Benchmarks/load.sh.
//
// hello-server's epoll mode is a hand-written reactor; nginx is the C reference. This is the
// third point of comparison: the standard Swift server stack, SwiftNIO, serving the very same
// two pages the way NIO's own NIOHTTP1Server example does (configureHTTPServerPipeline with
// error handling, one inbound handler), on 1 or 2 event loops. It is a benchmark peer, not a
// product, and lives in a package of its own so that hello-server never depends on NIO.
//
//     nio-hello --port P --loops N --www DIR
//
// DIR holds hello.html and 404.html (load.py's prepare_pages() fetches them from hello-server).

import Dispatch
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The two pages, read once at start; every response shares their storage.
struct Pages: Sendable {
    let hello: ByteBuffer
    let notFound: ByteBuffer

    init(directory: String) {
        self.hello = Self.read(directory + "/hello.html")
        self.notFound = Self.read(directory + "/404.html")
    }

    private static func read(_ path: String) -> ByteBuffer {
        guard let file = fopen(path, "rb") else {
            fail("cannot read \(path): \(String(cString: strerror(errno)))", status: 1)
        }
        defer { fclose(file) }
        var page = ByteBuffer()
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            page.writeBytes(chunk[..<count])
            if count < chunk.count { break }
        }
        if ferror(file) != 0 { fail("cannot read \(path)", status: 1) }
        return page
    }
}

/// `GET /` and `HEAD /` get the hello page (200), anything else the 404 page, with
/// `Content-Type` and `Content-Length` and no other header but `Connection` where the request
/// needs one. The response follows the request's keep-alive (HTTP/1.1 unless
/// `Connection: close`, HTTP/1.0 only with `Connection: keep-alive`) and the connection closes
/// after the end of a response that does not keep it. HTTPServerPipelineHandler (added by
/// configureHTTPServerPipeline) holds pipelined requests back until the previous response has
/// ended; responses are flushed when a read burst ends, so a pipelined batch leaves in one write.
/// A request NIO's parser rejects gets NIO's own `400 Bad Request` (no body) and a close.
final class HelloHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let pages: Pages
    private var request: HTTPRequestHead?

    init(pages: Pages) {
        self.pages = pages
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.request = head
        case .body:
            break  // a request body is read and dropped
        case .end:
            if let request = self.request.take() {
                self.respond(to: request, context: context)
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    /// A request NIO cannot parse has had its 400 from HTTPServerProtocolErrorHandler, which
    /// leaves closing to the last handler; so do I/O errors.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let found = request.uri == "/" && (request.method == .GET || request.method == .HEAD)
        let page = found ? self.pages.hello : self.pages.notFound
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
        headers.add(name: "Content-Length", value: String(page.readableBytes))
        switch (request.isKeepAlive, request.version.major, request.version.minor) {
        case (true, 1, 0): headers.add(name: "Connection", value: "keep-alive")
        case (false, 1, 1...): headers.add(name: "Connection", value: "close")
        default: break
        }
        let head = HTTPResponseHead(version: request.version, status: found ? .ok : .notFound, headers: headers)
        context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
        if request.method != .HEAD {
            context.write(Self.wrapOutboundOut(.body(.byteBuffer(page))), promise: nil)
        }
        let ended = context.write(Self.wrapOutboundOut(.end(nil)))
        if !request.isKeepAlive {
            let context = context.loopBound
            ended.whenComplete { _ in context.value.close(promise: nil) }
        }
    }
}

/// `--port P` (default 8080), `--loops N` event loops (default 1), `--www DIR` (default `.`).
struct Options {
    var port = 8080
    var loops = 1
    var www = "."

    init(parsing arguments: ArraySlice<String>) {
        var arguments = arguments
        while let flag = arguments.popFirst() {
            if flag == "-h" || flag == "--help" {
                print(Self.usage)
                exit(0)
            }
            guard let value = arguments.popFirst() else { fail("\(flag) needs a value\n\(Self.usage)") }
            switch flag {
            case "--port": self.port = Self.number(value, in: 0...65_535, for: flag)
            case "--loops": self.loops = Self.number(value, in: 1...1_024, for: flag)
            case "--www": self.www = value
            default: fail("unknown option \(flag)\n\(Self.usage)")
            }
        }
    }

    static let usage = "usage: nio-hello [--port P] [--loops N] [--www DIR]"

    private static func number(_ text: String, in range: ClosedRange<Int>, for flag: String) -> Int {
        guard let value = Int(text), range.contains(value) else {
            fail("\(flag) takes a number in \(range.lowerBound)...\(range.upperBound), not \(text)")
        }
        return value
    }
}

/// Writes `nio-hello: message` on stderr and exits (64: usage error, 1: cannot serve).
func fail(_ message: String, status: Int32 = 64) -> Never {
    var line = "nio-hello: \(message)\n"
    line.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
    exit(status)
}

@main
enum NIOHello {
    static func main() throws {
        let options = Options(parsing: CommandLine.arguments.dropFirst())
        let pages = Pages(directory: options.www)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: options.loops)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(HelloHandler(pages: pages))
                }
            }
        let server: any Channel
        do {
            server = try bootstrap.bind(host: "127.0.0.1", port: options.port).wait()
        } catch {
            fail("cannot listen on 127.0.0.1:\(options.port): \(error)", status: 1)
        }

        // SIGTERM and SIGINT close the listening socket; then the loops close every connection.
        let signals = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { @Sendable in server.close(promise: nil) }
            source.resume()
            return source
        }

        print("listening on http://127.0.0.1:\(server.localAddress?.port ?? options.port)")
        fflush(nil)
        try withExtendedLifetime(signals) {
            try server.closeFuture.wait()
        }
        try group.syncShutdownGracefully()
    }
}
