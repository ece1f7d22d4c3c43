import Foundation
import Glibc
import LinuxIO
import TestSupport
import Testing
import ThreadPool

@Suite("Socket", .timeLimit(.minutes(3)))
struct SocketTests {
    @Test("listening on port 0 gets a real port on the asked address")
    func listeningOnPortZero() throws {
        let listener = try makeListener()
        let address = try listener.localAddress()
        #expect(address.port != 0)
        #expect(address.host == "127.0.0.1")
        #expect(address.family == AF_INET)
        #expect(listener.rawValue >= 0)
    }

    @Test("connect, accept, write and read round-trip bytes both ways")
    func roundTrip() throws {
        let listener = try makeListener()
        let client = try connectClient(to: listener)
        let server = try acceptConnection(listener)

        #expect(try server.peerAddress().port == client.localAddress().port)
        #expect(try client.peerAddress().port == listener.localAddress().port)
        #expect(try server.localAddress().port == listener.localAddress().port)
        #expect(try server.peerAddress().isLoopback)

        let request = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        try writeAll(client, request)
        #expect(try readBytes(server, count: request.count) == request)

        let response = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try writeAll(server, response)
        #expect(try readBytes(client, count: response.count) == response)
    }

    @Test("an IPv6 loopback round trip", .enabled(if: ipv6LoopbackAvailable))
    func ipv6RoundTrip() throws {
        let listener = try makeListener(host: "::1")
        let address = try listener.localAddress()
        #expect(address.family == AF_INET6)
        #expect(address.description == "[::1]:\(address.port)")
        let client = try connectClient(to: listener)
        let server = try acceptConnection(listener)
        try writeAll(client, [1, 2, 3])
        #expect(try readBytes(server, count: 3) == [1, 2, 3])
    }

    @Test("writev gathers several buffers into one write")
    func writevGathers() throws {
        let listener = try makeListener()
        let client = try connectClient(to: listener)
        let server = try acceptConnection(listener)
        let parts: [[UInt8]] = [Array("HTTP/1.1 200 OK\r\n".utf8), Array("\r\n".utf8), Array("Hello!".utf8)]
        let expected = parts.flatMap { $0 }
        let result = try withIOVectors(parts) { try server.writev($0) }
        #expect(result == .bytes(expected.count))
        #expect(try readBytes(client, count: expected.count) == expected)
    }

    @Test("accept on a non-blocking listener with nothing waiting returns nil")
    func nonBlockingAcceptWithNothingWaiting() throws {
        let listener = try makeListener(nonBlocking: true)
        let started = monotonicSeconds()
        let connection = try listener.accept(nonBlocking: true)
        let again = try listener.accept()
        let neither = connection == nil && again == nil
        #expect(neither, "accept returned a connection nobody made")
        #expect(monotonicSeconds() - started < 1)

        // Once someone connects, the same call returns the connection.
        let client = try connectClient(to: listener)
        try waitUntilReadable(listener.rawValue)
        let accepted = try listener.accept(nonBlocking: true)
        let gotOne = accepted != nil
        #expect(gotOne)
        if let accepted {
            // The accepted socket is non-blocking too: a read with nothing there would block.
            var buffer = [UInt8](repeating: 0, count: 16)
            #expect(try buffer.withUnsafeMutableBytes { try accepted.read(into: $0) } == .wouldBlock)
        }
        _ = client
    }

    @Test("a second listener on the same port throws EADDRINUSE")
    func addressInUse() throws {
        let first = try makeListener()
        let address = try first.localAddress()
        do throws(Errno) {
            _ = try Socket.listening(on: address, backlog: 16)
            Issue.record("a second listener bound \(address)")
        } catch {
            #expect(error.code == EADDRINUSE)
            #expect(error.reason == "Address already in use")
            #expect(error.call == "bind")
            #expect(error.description == "bind: Address already in use")
            #expect(error == Errno(EADDRINUSE, "something else"))
        }
    }

    @Test("connecting to a port nobody listens on throws ECONNREFUSED")
    func connectionRefused() throws {
        // Take a free port, then stop listening on it.
        let port = try { () throws -> UInt16 in
            let listener = try makeListener()
            return try listener.localAddress().port
        }()
        #expect(throws: Errno(ECONNREFUSED, "connect")) {
            _ = try Socket.connect(to: SocketAddress.resolve(host: "127.0.0.1", port: port))
        }
    }

    @Test("read after the peer closes returns endOfFile")
    func readAfterPeerCloses() throws {
        let listener = try makeListener()
        let client = try connectClient(to: listener)
        do {
            let server = try acceptConnection(listener)
            try writeAll(server, Array("bye".utf8))
            _ = server  // closed here
        }
        #expect(try readBytes(client, count: 3) == Array("bye".utf8))
        try waitUntilReadable(client.rawValue)
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(try buffer.withUnsafeMutableBytes { try client.read(into: $0) } == .endOfFile)
        #expect(try buffer.withUnsafeMutableBytes { try client.read(into: $0) } == .endOfFile)
    }

    @Test("shutdown(.write) lets the peer read endOfFile while the socket stays open")
    func shutdownWrite() throws {
        let listener = try makeListener()
        let client = try connectClient(to: listener)
        let server = try acceptConnection(listener)
        try writeAll(client, Array("last".utf8))
        try client.shutdown(.write)
        #expect(try readBytes(server, count: 100) == Array("last".utf8))
        // The other direction still works.
        try writeAll(server, Array("reply".utf8))
        #expect(try readBytes(client, count: 5) == Array("reply".utf8))
    }

    /// The peer resets the connection (SO_LINGER 0, then close). Writing to it must throw
    /// and never raise SIGPIPE, for `write` and `writev` alike. The first failing write
    /// reports ECONNRESET; the ones after it EPIPE, which is where a plain write(2) or
    /// writev(2) raises SIGPIPE, so the test keeps writing past the first error.
    @Test("writing to a peer that reset throws EPIPE or ECONNRESET, without SIGPIPE",
          arguments: ["write", "writev"])
    func writeToResetPeer(call: String) throws {
        let listener = try makeListener()
        let client = try connectClient(to: listener)
        do {
            let server = try acceptConnection(listener)
            try server.setResetOnClose()
            _ = server  // closed here: sends RST
        }
        let payload = [UInt8](repeating: 0x41, count: 1024)
        let (raised, errors) = try raisesSIGPIPE { () throws -> [Errno] in
            var errors: [Errno] = []
            // A write may still be accepted before the RST is processed; keep going.
            for _ in 0..<1_000 where errors.count < 3 {
                do {
                    if call == "write" {
                        _ = try payload.withUnsafeBytes { try client.write($0) }
                    } else {
                        _ = try withIOVectors([payload]) { try client.writev($0) }
                    }
                } catch let error as Errno {
                    errors.append(error)
                    continue
                }
                usleep(1_000)
            }
            return errors
        }
        #expect(!raised, "\(call) raised SIGPIPE")
        #expect(errors.count == 3, "\(call) to a reset peer did not keep failing: \(errors)")
        #expect(errors.allSatisfy { [EPIPE, ECONNRESET].contains($0.code) }, "unexpected \(errors)")
        #expect(errors.contains { $0.code == EPIPE }, "never reached the EPIPE case: \(errors)")
        #expect(errors.allSatisfy { $0.call == (call == "write" ? "send" : "sendmsg") })
    }

    @Test("a receive timeout makes a blocking read return wouldBlock after about that long")
    func receiveTimeout() throws {
        let listener = try makeListener()
        let client = try connectClient(to: listener)
        let server = try acceptConnection(listener)
        try server.setTimeouts(receive: .milliseconds(100), send: nil)
        var buffer = [UInt8](repeating: 0, count: 16)
        let started = monotonicSeconds()
        let result = try buffer.withUnsafeMutableBytes { try server.read(into: $0) }
        let elapsed = monotonicSeconds() - started
        #expect(result == .wouldBlock)
        #expect(elapsed >= 0.09, "returned after \(elapsed) s")
        #expect(elapsed < 2, "returned after \(elapsed) s")
        _ = client
    }

    @Test("a zero timeout still times out rather than meaning forever", arguments: [0.0, 0.25])
    func tinyTimeouts(seconds: Double) throws {
        let listener = try makeListener()
        let client = try connectClient(to: listener)
        let server = try acceptConnection(listener)
        try server.setTimeouts(receive: .seconds(seconds), send: .seconds(seconds))
        var buffer = [UInt8](repeating: 0, count: 16)
        let started = monotonicSeconds()
        #expect(try buffer.withUnsafeMutableBytes { try server.read(into: $0) } == .wouldBlock)
        let elapsed = monotonicSeconds() - started
        #expect(elapsed >= seconds - 0.01)
        #expect(elapsed < seconds + 2)
        _ = client
    }

    @Test("two listeners with reusePort share an address; without it the second bind fails")
    func reusePortSharesTheAddress() throws {
        let any = try SocketAddress.resolve(host: "127.0.0.1", port: 0)
        let first = try Socket.listening(on: any, backlog: 16, reusePort: true)
        let address = try SocketAddress.resolve(host: "127.0.0.1", port: try first.localAddress().port)
        let second = try Socket.listening(on: address, backlog: 16, reusePort: true)
        #expect(try second.localAddress().port == first.localAddress().port)
        #expect(throws: Errno.self) { _ = try Socket.listening(on: address, backlog: 16) }
    }

    @Test("accepted sockets inherit TCP_NODELAY from their listener (what Servers.listen relies on)")
    func noDelayIsInherited() throws {
        let listener = try makeListener()
        try listener.setNoDelay()
        let client = try connectClient(to: listener)
        let accepted = try acceptConnection(listener)
        var noDelay: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        #expect(getsockopt(accepted.rawValue, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, &length) == 0)
        #expect(noDelay == 1)
        _ = client
    }

    @Test("setNoDelay sets TCP_NODELAY and setResetOnClose sets SO_LINGER to on, 0 s")
    func options() throws {
        let listener = try makeListener()
        let client = try connectClient(to: listener)
        var noDelay: Int32 = -1
        var length = socklen_t(MemoryLayout<Int32>.size)
        #expect(getsockopt(client.rawValue, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, &length) == 0)
        #expect(noDelay == 0, "off before the call")
        try client.setNoDelay()
        #expect(getsockopt(client.rawValue, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, &length) == 0)
        #expect(noDelay != 0)

        var lingering = linger(l_onoff: -1, l_linger: -1)
        var lingerLength = socklen_t(MemoryLayout<linger>.size)
        #expect(getsockopt(client.rawValue, SOL_SOCKET, SO_LINGER, &lingering, &lingerLength) == 0)
        #expect(lingering.l_onoff == 0, "off before the call")
        try client.setResetOnClose()
        #expect(getsockopt(client.rawValue, SOL_SOCKET, SO_LINGER, &lingering, &lingerLength) == 0)
        #expect(lingering.l_onoff != 0 && lingering.l_linger == 0, "on, with no lingering time: close sends a reset")
    }

    /// `shutdown` on a listener is how a blocking accept loop is told to stop.
    @Test("shutting a listener down wakes a thread blocked in accept")
    func shutdownWakesAccept() throws {
        let listener = try makeListener()
        let listenerFD = listener.rawValue
        let outcomeBox = OutcomeBox()
        let thread = Thread {
            // A second descriptor for the same socket, owned by this thread.
            let same = Socket(FileDescriptor(owning: dup(listenerFD)))
            let text: String
            do throws(Errno) {
                text = try same.accept() == nil ? "nil" : "connection"
            } catch {
                text = "Errno \(error.code)"
            }
            outcomeBox.set(text)
        }
        thread.start()
        usleep(100_000)
        #expect(outcomeBox.get() == nil, "accept returned with nobody connecting")
        try listener.shutdown(.both)
        let deadline = Instant.after(.seconds(5))
        while outcomeBox.get() == nil && !deadline.hasPassed { usleep(1_000) }
        #expect(outcomeBox.get() == "Errno \(EINVAL)")
    }
}

/// A string set by one thread and read by another.
final class OutcomeBox: Sendable {
    private let value = Locked<String?>(nil)
    func set(_ text: String) { value.withLock { $0 = text } }
    func get() -> String? { value.withLock { $0 } }
}

/// Calls `body` with `parts` as an array of iovecs.
func withIOVectors<R, E: Error>(_ parts: [[UInt8]], _ body: (UnsafeMutableBufferPointer<iovec>) throws(E) -> R) throws(E) -> R {
    let copies = parts.map { part -> UnsafeMutableRawBufferPointer in
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(part.count, 1), alignment: 1)
        copy.copyBytes(from: part)
        return copy
    }
    defer { for copy in copies { copy.deallocate() } }
    var vectors = zip(copies, parts).map { iovec(iov_base: $0.baseAddress, iov_len: $1.count) }
    return try vectors.withUnsafeMutableBufferPointer { buffer throws(E) in try body(buffer) }
}

/// The errno policy's traps (Errno.swift): a closed descriptor or a bad pointer is the
/// program's bug, so it stops the process instead of being thrown like a client's failure.
@Suite("Errno policy")
struct ErrnoPolicyTests {
    @Test("a read on a descriptor that is not open traps (EBADF), it is not thrown")
    func closedDescriptorTraps() async {
        await #expect(processExitsWith: .failure) {
            let socket = Socket(FileDescriptor(owning: 999_999))
            var byte: UInt8 = 0
            _ = try? withUnsafeMutableBytes(of: &byte) { try socket.read(into: $0) }
        }
    }
}
