import Foundation
import Glibc
import HTTP1
@testable import HelloServer
import TestSupport
import Testing
import ThreadPool
import LinuxIO

/// `AccessLog`'s numbering and merging on their own (Docs/HTTP.md, Access log: lines in the
/// order their responses were sent, whichever thread sent them): many threads record while
/// another flushes again and again, so lines are held back across flushes, and the file must
/// hold every line once, each thread's in the order it recorded them, with times that never
/// go back.
@Suite(.timeLimit(.minutes(3)))
struct AccessLogOrderTests {
    @Test func concurrentRecordersAndFlushesKeepEveryLineOnceInOrder() throws {
        let directory = try TempDirectory()
        defer { directory.remove() }
        let path = directory.path("access.log")
        let log = try AccessLog(path: path)
        let threads = 4, linesPerThread = 4_000
        let recording = Locked(threads + 3)
        let flushes = Locked(0)
        let flusher = try JoinableThread(name: "test-flusher") {
            while recording.withLock({ $0 }) > 0 {
                log.flush()
                flushes.withLock { $0 += 1 }
            }
        }
        var recorders: [JoinableThread] = []
        for thread in 0..<threads {
            recorders.append(try JoinableThread(name: "test-recorder-\(thread)") {
                for index in 0..<linesPerThread {
                    log.record(host: "10.0.0.\(thread)", requestLine: Self.get("/t\(thread)/\(index)"), status: 200, bodyBytes: index)
                    // A worker does a response's work between lines; a tight loop would keep the
                    // flusher off this stripe's lock (pthread mutexes are not fair).
                    if index % 50 == 0 { sched_yield() }
                }
                recording.withLock { $0 -= 1 }
            })
        }
        // A relay: each of three threads records the next line only after the previous one was
        // recorded by another thread, so these lines have an order the file must keep across
        // threads (a flush that wrote a line before an earlier one still in another stripe
        // would break it).
        let relayLines = 3_000
        let turn = Locked(0)
        for runner in 0..<3 {
            recorders.append(try JoinableThread(name: "test-relay-\(runner)") {
                while true {
                    let mine = turn.withLock { $0 }
                    if mine >= relayLines { break }
                    guard mine % 3 == runner else {
                        sched_yield()
                        continue
                    }
                    log.record(host: "10.0.0.9", requestLine: .escaped("GET /relay/\(mine) HTTP/1.1"), status: 200, bodyBytes: mine)
                    turn.withLock { $0 += 1 }
                }
                recording.withLock { $0 -= 1 }
            })
        }
        for recorder in recorders { recorder.join() }
        flusher.join()
        log.flush()  // what the last flushes held back
        #expect(flushes.withLock { $0 } > 1, "flushed while recording")

        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        let relay = lines.filter { $0.contains("/relay/") }
        lines.removeAll { $0.contains("/relay/") }
        #expect(relay.count == relayLines)
        let relayed = relay.compactMap { line in line.range(of: "/relay/").flatMap { Int(line[$0.upperBound...].prefix { $0 != " " }) } }
        let firstOutOfOrder = relayed.enumerated().first { $0.offset != $0.element }
        #expect(relayed.count == relayLines && firstOutOfOrder == nil,
                "relay lines out of order: line \(firstOutOfOrder.map { "\($0.offset) is \($0.element)" } ?? "-")")
        #expect(lines.count == threads * linesPerThread, "every line once")
        var next = [Int](repeating: 0, count: threads)
        var previousTime = 0
        var outOfOrder: [String] = []
        // `10.0.0.T - - [TIME] "GET /tT/I HTTP/1.1" 200 I` (`-` for I = 0), in recording order per thread.
        for line in lines {
            guard let (thread, index, time) = Self.parse(line) else {
                outOfOrder.append("unparseable: \(line)")
                continue
            }
            if index != next[thread] { outOfOrder.append("thread \(thread): \(index) where \(next[thread]) was due") }
            next[thread] = index + 1
            if time < previousTime { outOfOrder.append("time went back: \(line)") }
            previousTime = time
        }
        #expect(outOfOrder.isEmpty, "\(outOfOrder.prefix(5)) (\(outOfOrder.count) in all)")
        #expect(next == [Int](repeating: linesPerThread, count: threads))
    }

    private static func get(_ target: String) -> AccessLog.RequestLine {
        .head(RequestHead(method: "GET", target: target, path: target, version: .http1_1, keepAlive: true))
    }

    /// (thread, index, epoch seconds) of a line the test recorded.
    private static func parse(_ line: String) -> (Int, Int, Int)? {
        guard let entry = CommonLogLine(line.replacingOccurrences(of: #"^10\.0\.0\.\d+ "#, with: "127.0.0.1 ", options: .regularExpression)),
              entry.status == 200
        else { return nil }
        let parts = entry.requestLine.split(separator: "/")
        guard parts.count >= 3, let thread = Int(parts[1].dropFirst()), let index = Int(parts[2].prefix { $0 != " " }),
              entry.bytes == (index == 0 ? "-" : String(index))
        else { return nil }
        return (thread, index, entry.epochSeconds)
    }

    @Test func mergeWritesInNumberOrderAndHoldsBackWhatIsAboveTheWatermark() {
        func lines(_ tag: String, _ numbers: [Int]) -> NumberedLines {
            var lines = NumberedLines()
            for number in numbers { lines.append(number: number) { $0.append(contentsOf: "\(tag)\(number)\n".utf8) } }
            return lines
        }
        var ready: [UInt8] = []
        let later = NumberedLines.merge([lines("h", [5]), lines("a", [1, 4, 6, 9]), lines("b", [2, 3, 7]), NumberedLines()], through: 6, into: &ready)
        #expect(String(decoding: ready, as: UTF8.self) == "a1\nb2\nb3\na4\nh5\na6\n")
        var rest: [UInt8] = []
        let none = NumberedLines.merge([later, lines("c", [8])], through: 9, into: &rest)
        #expect(String(decoding: rest, as: UTF8.self) == "b7\nc8\na9\n", "held back lines merge with the next flush's")
        #expect(none.isEmpty)
    }
}
