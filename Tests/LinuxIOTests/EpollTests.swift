import Glibc
import LinuxIO
import TestSupport
import Testing

/// `Epoll`, the one wait of the reactor, and the readiness contract the reactor is written for:
/// edge-triggered, so an event comes once per change of readiness and the reader must drain
/// until EAGAIN; level-triggered registrations report readiness on every wait.
@Suite("Epoll")
struct EpollTests {
    /// A connected pair over 127.0.0.1: the client, and the accepted end (non-blocking).
    private struct Pair: ~Copyable {
        let client: Socket
        let server: Socket

        init() throws {
            let listener = try makeListener()
            let connected = try connectClient(to: listener)
            try waitUntilReadable(listener.rawValue)
            guard let accepted = try listener.accept(nonBlocking: true) else { throw TestFailure("no connection to accept") }
            client = connected
            server = accepted
        }
    }

    private static func wait(_ epoll: borrowing Epoll, milliseconds: Int32) throws -> [(token: UInt64, events: EpollEvents)] {
        var buffer = EpollEventBuffer(capacity: 8)
        let count = epoll.wait(into: &buffer, timeoutMilliseconds: milliseconds)
        return (0..<count).map { buffer[$0] }
    }

    @Test("a wait with nothing ready times out with no events")
    func timeout() throws {
        let epoll = try Epoll()
        let started = monotonicSeconds()
        #expect(try Self.wait(epoll, milliseconds: 50).isEmpty)
        #expect(monotonicSeconds() - started >= 0.04)
    }

    @Test("each registration reports its own token with its events")
    func tokens() throws {
        let epoll = try Epoll()
        let one = try Pair(), two = try Pair()
        try epoll.add(one.server.rawValue, events: .readable, token: 11)
        try epoll.add(two.server.rawValue, events: .readable, token: 22)
        try writeAll(two.client, [1])
        let events = try Self.wait(epoll, milliseconds: 2000)
        #expect(events.count == 1 && events[0].token == 22 && events[0].events.contains(.readable))
    }

    @Test("edge-triggered: one event per arrival, none while unread bytes stay; the next arrival is a new edge")
    func edgeTriggered() throws {
        let epoll = try Epoll()
        let pair = try Pair()
        try epoll.add(pair.server.rawValue, events: [.readable, .edgeTriggered], token: 1)
        try writeAll(pair.client, Array("hello".utf8))
        #expect(try Self.wait(epoll, milliseconds: 2000).map(\.token) == [1])
        // The bytes are still unread, but there is no new edge: a reader that stops early is stuck.
        #expect(try Self.wait(epoll, milliseconds: 50).isEmpty)
        try writeAll(pair.client, Array("more".utf8))
        #expect(try Self.wait(epoll, milliseconds: 2000).map(\.token) == [1])
        // Draining until EAGAIN is what the reactor does on every event.
        var sink: [UInt8] = [], scratch = [UInt8](repeating: 0, count: 64)
        while case .bytes = try pair.server.read(appendingTo: &sink, scratch: &scratch) {}
        #expect(sink == Array("hellomore".utf8))
    }

    @Test("level-triggered: readiness is reported on every wait until it is consumed")
    func levelTriggered() throws {
        let epoll = try Epoll()
        let pair = try Pair()
        try epoll.add(pair.server.rawValue, events: .readable, token: 5)
        try writeAll(pair.client, [42])
        #expect(try Self.wait(epoll, milliseconds: 2000).map(\.token) == [5])
        #expect(try Self.wait(epoll, milliseconds: 2000).map(\.token) == [5], "still readable, still reported")
        var sink: [UInt8] = [], scratch = [UInt8](repeating: 0, count: 8)
        _ = try pair.server.read(appendingTo: &sink, scratch: &scratch)
        #expect(try Self.wait(epoll, milliseconds: 50).isEmpty)
    }

    @Test("a peer's half-close is EPOLLRDHUP; writable is reported for an empty send buffer")
    func hangUpAndWritable() throws {
        let epoll = try Epoll()
        let pair = try Pair()
        try epoll.add(pair.server.rawValue, events: [.readable, .writable, .readHangUp, .edgeTriggered], token: 9)
        let first = try Self.wait(epoll, milliseconds: 2000)
        #expect(first.count == 1 && first[0].events.contains(.writable) && !first[0].events.contains(.readHangUp))
        try pair.client.shutdown(.write)
        let second = try Self.wait(epoll, milliseconds: 2000)
        #expect(second.count == 1 && second[0].events.contains(.readHangUp) && second[0].events.contains(.readable))
    }

    @Test("a removed descriptor reports nothing more; removing it twice is ENOENT")
    func remove() throws {
        let epoll = try Epoll()
        let pair = try Pair()
        try epoll.add(pair.server.rawValue, events: .readable, token: 3)
        try epoll.remove(pair.server.rawValue)
        try writeAll(pair.client, [1])
        #expect(try Self.wait(epoll, milliseconds: 50).isEmpty)
        #expect(throws: Errno.self) { try epoll.remove(pair.server.rawValue) }
        do {
            try epoll.remove(pair.server.rawValue)
        } catch {
            #expect(error.code == ENOENT)
        }
    }

    @Test("adding a descriptor twice is EEXIST")
    func addTwice() throws {
        let epoll = try Epoll()
        let pair = try Pair()
        try epoll.add(pair.server.rawValue, events: .readable, token: 1)
        do {
            try epoll.add(pair.server.rawValue, events: .readable, token: 2)
            Issue.record("a second add should fail")
        } catch {
            #expect(error.code == EEXIST)
        }
    }

    @Test("epoll_wait cannot fail at run time: its only errors are bugs (here EINVAL), and they trap")
    func aBadWaitTraps() async {
        await #expect(processExitsWith: .failure) {
            let epoll = try? Epoll()
            var empty = EpollEventBuffer(capacity: 0)  // maxevents 0: EINVAL
            _ = epoll?.wait(into: &empty, timeoutMilliseconds: 0)
        }
    }
}
