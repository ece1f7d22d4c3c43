import Foundation
import Glibc
import HelloServer
import LinuxIO
import TestSupport
import Testing

/// The real binary under a low open-file limit: running out of descriptors pauses accepting
/// instead of spinning, and the server recovers when the flood ends.
@Suite(.timeLimit(.minutes(3)))
struct ResourceLimitTests {
    /// `ulimit -n 64` with 40 descriptors inherited and held open: the server runs out of
    /// descriptors long before its (lowered) connection limit.
    static let lowLimit = "ulimit -n 64\nfor fd in $(seq 10 49); do eval \"exec $fd</dev/null\"; done"

    @Test func theConnectionLimitIsLoweredToFitTheOpenFileLimit() throws {
        let server = try ServerProcess.start(["--max-connections", "1000"], shell: "ulimit -n 200")
        #expect(try server.get("/").status == 200)
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 5) == .exited(0))
        #expect(server.stderr.text.contains("--max-connections lowered from 1000 to 184"), "\(server.stderr.text)")
    }

    /// The book's accept loop wakes every 100 ms to look for a shutdown; a wake-up that brought no
    /// connection must give back the room it waited for, or an idle server runs out of it.
    @Test("an idle pool server keeps its room: --max-connections 1, a second of idle accepts, then requests are answered")
    func idleAcceptsKeepTheirRoom() throws {
        let server = try ServerProcess.start(["--mode", "pool", "--max-connections", "1"])
        #expect(try server.get("/").status == 200)
        // What is waited for is the passing of accept timeouts themselves: nothing else shows.
        let before = Instant.now
        #expect(eventually(within: 5) { Instant.now.duration(since: before) >= .seconds(1) }, "ten accept timeouts pass")
        for _ in 0..<3 {
            #expect(try server.get("/", timeout: 3).status == 200)
        }
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 5) == .exited(0))
    }

    @Test(arguments: [ServerMode.epoll, .pool])
    func descriptorExhaustionPausesAcceptingWithoutSpinning(mode: ServerMode) throws {
        let server = try ServerProcess.start(
            ["--mode", mode.rawValue, "--header-timeout", "30", "--workers", "2"], shell: Self.lowLimit)
        let port = server.port
        var flood: [TestClient] = []
        for _ in 0..<100 { flood.append(try TestClient(port: port, timeout: 5)) }  // held in the backlog
        usleep(500_000)
        let cpuBefore = server.cpuSeconds
        usleep(1_500_000)
        let cpuUsed = server.cpuSeconds - cpuBefore
        #expect(cpuUsed < 0.3, "the server spun for \(cpuUsed) s of CPU in 1.5 s while out of descriptors")
        #expect(server.isRunning)

        flood.removeAll()  // the flood ends: every client closes
        var status = 0
        _ = eventually(within: 10) {
            status = (try? server.get("/", timeout: 2).status) ?? 0
            return status == 200
        }
        #expect(status == 200, "serves normally once the flood ends")
        server.signal(SIGTERM)
        #expect(try server.waitForExit(timeout: 10) == .exited(0))
        let pauses = server.stderr.lines.filter { $0.contains("accept paused") }
        #expect(!pauses.isEmpty, "the episode is logged: \(server.stderr.text)")
        #expect(pauses.count <= 3, "logged once per episode, not per attempt: \(pauses.count) lines")
    }
}
