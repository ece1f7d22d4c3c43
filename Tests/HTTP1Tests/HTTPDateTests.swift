import HTTP1
import Testing

/// Docs/HTTP.md, Responses and Access log: every response has `Date` in IMF-fixdate (RFC 9110 §5.6.7); access-log lines use
/// the Common Log Format time.
@Suite("HTTP date")
struct HTTPDateTests {
    struct Known: Sendable, CustomTestStringConvertible {
        let epoch: Int
        let imf: String
        let clf: String
        init(_ epoch: Int, _ imf: String, _ clf: String) {
            self.epoch = epoch
            self.imf = imf
            self.clf = clf
        }
        var testDescription: String { "\(epoch)" }
    }

    static let known: [Known] = [
        Known(0, "Thu, 01 Jan 1970 00:00:00 GMT", "01/Jan/1970:00:00:00 +0000"),
        Known(784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT", "06/Nov/1994:08:49:37 +0000"),
        Known(951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT", "29/Feb/2000:00:00:00 +0000"),
        Known(971_186_136, "Tue, 10 Oct 2000 13:55:36 GMT", "10/Oct/2000:13:55:36 +0000"),
        Known(1_709_186_828, "Thu, 29 Feb 2024 06:07:08 GMT", "29/Feb/2024:06:07:08 +0000"),
        Known(1_767_225_600, "Thu, 01 Jan 2026 00:00:00 GMT", "01/Jan/2026:00:00:00 +0000"),
        Known(1_772_323_199, "Sat, 28 Feb 2026 23:59:59 GMT", "28/Feb/2026:23:59:59 +0000"),
        Known(1_772_323_200, "Sun, 01 Mar 2026 00:00:00 GMT", "01/Mar/2026:00:00:00 +0000"),
        Known(1_773_578_096, "Sun, 15 Mar 2026 12:34:56 GMT", "15/Mar/2026:12:34:56 +0000"),
        Known(1_795_391_999, "Sun, 22 Nov 2026 23:59:59 GMT", "22/Nov/2026:23:59:59 +0000"),
        Known(2_147_483_647, "Tue, 19 Jan 2038 03:14:07 GMT", "19/Jan/2038:03:14:07 +0000"),
        Known(4_107_499_200, "Sun, 28 Feb 2100 12:00:00 GMT", "28/Feb/2100:12:00:00 +0000"),
        Known(4_107_542_400, "Mon, 01 Mar 2100 00:00:00 GMT", "01/Mar/2100:00:00:00 +0000"),
        Known(253_402_300_799, "Fri, 31 Dec 9999 23:59:59 GMT", "31/Dec/9999:23:59:59 +0000"),
        Known(-1, "Wed, 31 Dec 1969 23:59:59 GMT", "31/Dec/1969:23:59:59 +0000"),
        Known(-2_208_988_800, "Mon, 01 Jan 1900 00:00:00 GMT", "01/Jan/1900:00:00:00 +0000"),
    ]

    @Test("known instants format as IMF-fixdate", arguments: known)
    func imfFixdate(known: Known) {
        #expect(HTTPDate.format(epochSeconds: known.epoch) == known.imf)
    }

    @Test("known instants format in Common Log Format", arguments: known)
    func commonLogFormat(known: Known) {
        #expect(HTTPDate.commonLogFormat(epochSeconds: known.epoch) == known.clf)
    }

    /// A plain day-by-day calendar walk, the slow obvious way, as the reference.
    @Test("every day from 1960 to 2110 matches a day-by-day calendar walk")
    func dayByDayWalk() {
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }
        func daysIn(_ month: Int, _ year: Int) -> Int {
            [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        }
        func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        // Start at 1960-01-01, a Friday, 3653 days before the epoch.
        var (year, month, day, weekday) = (1960, 1, 1, 5)
        var mismatches = 0
        for dayNumber in -3653..<51_500 {
            // A different time of day each day, covering every hour, minute and second over the walk.
            let secondOfDay = ((dayNumber * 7919) % 86_400 + 86_400) % 86_400
            let time = "\(pad(secondOfDay / 3600)):\(pad(secondOfDay % 3600 / 60)):\(pad(secondOfDay % 60))"
            let expected = "\(weekdays[weekday]), \(pad(day)) \(months[month - 1]) \(year) \(time) GMT"
            let actual = HTTPDate.format(epochSeconds: dayNumber * 86_400 + secondOfDay)
            if actual != expected {
                mismatches += 1
                if mismatches <= 5 { Issue.record("day \(dayNumber): \(actual) != \(expected)") }
            }
            day += 1
            weekday = (weekday + 1) % 7
            if day > daysIn(month, year) {
                day = 1
                month += 1
                if month > 12 { month = 1; year += 1 }
            }
        }
        #expect(mismatches == 0)
        #expect(year == 2111)
    }

    @Test("every second of a day formats with zero-padded fields")
    func secondsOfADay() {
        let base = 1_767_225_600  // 2026-01-01
        for second in stride(from: 0, to: 86_400, by: 61) {
            let text = HTTPDate.format(epochSeconds: base + second)
            #expect(text.utf8.count == 29)
            #expect(text.hasPrefix("Thu, 01 Jan 2026 "))
            #expect(text.hasSuffix(" GMT"))
        }
    }
}
