extension HTTPDate {
    private static let longWeekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    /// The seconds since the epoch of an HTTP-date in any of its three forms (RFC 9110 §5.6.7,
    /// which a recipient must all accept), or `nil` for anything else:
    /// - IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`;
    /// - the obsolete RFC 850 form: `Sunday, 06-Nov-94 08:49:37 GMT`, whose two-digit year is
    ///   the latest year ending in those digits not more than 50 years after `now`'s;
    /// - asctime: `Sun Nov  6 08:49:37 1994`.
    /// The names are case-sensitive, as the grammar says; the weekday is not checked against
    /// the date.
    public static func parse(_ text: String, now: Int) -> Int? {
        let currentYear = CivilTime(epochSeconds: now).year
        let bytes = Array(text.utf8)
        if bytes.count == 29 && bytes[3] == ASCII.comma {
            // IMF-fixdate: day-name "," SP 2DIGIT SP month SP 4DIGIT SP time SP "GMT"
            guard weekdays.contains(string(bytes, 0..<3)), bytes[4] == ASCII.space, bytes[7] == ASCII.space,
                bytes[11] == ASCII.space, bytes[16] == ASCII.space, string(bytes, 25..<29) == " GMT",
                let day = number(bytes, 5..<7), let month = months.firstIndex(of: string(bytes, 8..<11)),
                let year = number(bytes, 12..<16)
            else { return nil }
            return epochSeconds(year: year, month: month + 1, day: day, time: bytes[17..<25])
        }
        if bytes.count == 24 && bytes[3] == ASCII.space {
            // asctime: day-name SP month SP ( 2DIGIT / SP DIGIT ) SP time SP 4DIGIT
            guard weekdays.contains(string(bytes, 0..<3)), bytes[7] == ASCII.space, bytes[10] == ASCII.space,
                bytes[19] == ASCII.space, let month = months.firstIndex(of: string(bytes, 4..<7)),
                let day = bytes[8] == ASCII.space ? number(bytes, 9..<10) : number(bytes, 8..<10),
                let year = number(bytes, 20..<24)
            else { return nil }
            return epochSeconds(year: year, month: month + 1, day: day, time: bytes[11..<19])
        }
        // rfc850-date: day-name-l "," SP 2DIGIT "-" month "-" 2DIGIT SP time SP "GMT"
        guard let comma = bytes.firstIndex(of: ASCII.comma), longWeekdays.contains(string(bytes, 0..<comma)),
            bytes.count == comma + 24
        else { return nil }
        let rest = comma + 1
        guard bytes[rest] == ASCII.space, bytes[rest + 3] == UInt8(ascii: "-"), bytes[rest + 7] == UInt8(ascii: "-"),
            bytes[rest + 10] == ASCII.space, string(bytes, (rest + 19)..<(rest + 23)) == " GMT",
            let day = number(bytes, (rest + 1)..<(rest + 3)), let month = months.firstIndex(of: string(bytes, (rest + 4)..<(rest + 7))),
            let twoDigits = number(bytes, (rest + 8)..<(rest + 10))
        else { return nil }
        var year = currentYear - currentYear % 100 + twoDigits
        if year > currentYear + 50 { year -= 100 }
        return epochSeconds(year: year, month: month + 1, day: day, time: bytes[(rest + 11)..<(rest + 19)])
    }

    private static func string(_ bytes: [UInt8], _ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    /// Exactly `range.count` digits.
    private static func number(_ bytes: [UInt8], _ range: Range<Int>) -> Int? {
        var value = 0
        for index in range {
            guard ASCII.isDigit(bytes[index]) else { return nil }
            value = value * 10 + Int(bytes[index] - ASCII.zero)
        }
        return value
    }

    /// `HH:MM:SS` on that day, checked (a second of 60 is a leap second), as epoch seconds.
    private static func epochSeconds(year: Int, month: Int, day: Int, time: ArraySlice<UInt8>) -> Int? {
        let clock = Array(time)
        guard clock.count == 8, clock[2] == ASCII.colon, clock[5] == ASCII.colon,
            let hour = number(clock, 0..<2), let minute = number(clock, 3..<5), let second = number(clock, 6..<8),
            hour < 24, minute < 60, second <= 60, day >= 1, day <= daysInMonth(year: year, month: month)
        else { return nil }
        return daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
    }

    private static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Howard Hinnant's `days_from_civil`: days since 1970-01-01 of a proleptic Gregorian date.
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
