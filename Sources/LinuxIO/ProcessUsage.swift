import Glibc

/// What the standard Prometheus `process_*` metrics report, read from the kernel each time it is
/// asked (at scrape time), so that nothing is counted per request.
///
/// Invariant: every value is read fresh on each call; one the kernel does not give is `nil`.
public enum ProcessUsage {
    /// Resident set size in bytes: /proc/self/statm's second field, in pages.
    public static var residentBytes: Int? {
        guard let fields = read("/proc/self/statm")?.split(separator: " "), fields.count > 1,
              let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Open descriptors: the entries of /proc/self/fd.
    public static var openDescriptors: Int? { OpenDescriptors.list()?.count }

    /// The soft limit on open descriptors.
    public static var maxDescriptors: Int? { OpenFileLimit.current }

    /// User and system CPU time used so far, in seconds (getrusage(2)).
    public static var cpuSeconds: Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// When the process started, in seconds since the epoch: /proc/self/stat's start time (clock
    /// ticks after boot) plus /proc/stat's boot time, as Prometheus's client libraries read it.
    public static var startTimeSeconds: Double? {
        // The fields after the command name, which is in parentheses and may hold spaces.
        guard let stat = read("/proc/self/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // starttime is field 22 of the line; the first after the name is field 3.
        guard fields.count > 19, let ticks = Double(fields[19]),
              let boot = read("/proc/stat")?.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
              let bootSeconds = Double(boot.dropFirst(6)) else { return nil }
        return bootSeconds + ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A whole file of /proc, or `nil`.
    private static func read(_ path: String) -> String? {
        guard let bytes = try? FileDescriptor.openReadOnly(path).readToEnd() else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
