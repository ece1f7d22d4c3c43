import Glibc
import HTTP1
import LinuxIO

/// The `Date:` header line of responses, recomputed at most once a second.
///
/// Invariant: `line()` returns `Date: <IMF-fixdate of the current second>\r\n`; the text is
/// formatted only when the second changes, whatever the request rate.
final class DateCache: Sendable {
    private struct Entry {
        var second: Int
        var line: [UInt8]
    }

    private let entry = Locked(Entry(second: -1, line: []))

    func line() -> [UInt8] { current().line }

    private func current() -> Entry {
        let now = WallClock.secondsSinceEpoch
        return entry.withLock { entry in
            if entry.second != now {
                entry = Entry(second: now, line: Array("Date: \(HTTPDate.format(epochSeconds: now))\r\n".utf8))
            }
            return entry
        }
    }
}
