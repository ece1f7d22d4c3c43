/// The IMF-fixdate form of a time (RFC 9110 §5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`.
///
/// Invariant: `format` is a pure function of its argument (no clock, no locale, no
/// Foundation), so callers decide how often to compute it.
public enum HTTPDate {
    static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The IMF-fixdate for `epochSeconds` seconds after 1970-01-01T00:00:00Z.
    public static func format(epochSeconds: Int) -> String {
        let parts = CivilTime(epochSeconds: epochSeconds)
        return "\(weekdays[parts.weekday]), \(twoDigits(parts.day)) \(months[parts.month - 1]) \(parts.year) "
            + "\(twoDigits(parts.hour)):\(twoDigits(parts.minute)):\(twoDigits(parts.second)) GMT"
    }

    /// The Common Log Format time (`10/Oct/2000:13:55:36 +0000`) for the access log.
    public static func commonLogFormat(epochSeconds: Int) -> String {
        let parts = CivilTime(epochSeconds: epochSeconds)
        return "\(twoDigits(parts.day))/\(months[parts.month - 1])/\(parts.year):"
            + "\(twoDigits(parts.hour)):\(twoDigits(parts.minute)):\(twoDigits(parts.second)) +0000"
    }

    private static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

/// A UTC calendar date and time of day, split from a Unix time.
struct CivilTime {
    let year: Int, month: Int, day: Int
    let hour: Int, minute: Int, second: Int
    /// 0 = Sunday.
    let weekday: Int

    /// Howard Hinnant's `civil_from_days`, valid for any day of the proleptic Gregorian calendar.
    init(epochSeconds: Int) {
        let days = epochSeconds >= 0 ? epochSeconds / 86_400 : (epochSeconds - 86_399) / 86_400
        let secondOfDay = epochSeconds - days * 86_400
        hour = secondOfDay / 3600
        minute = secondOfDay % 3600 / 60
        second = secondOfDay % 60
        weekday = ((days % 7) + 11) % 7  // 1970-01-01 was a Thursday
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }
}
