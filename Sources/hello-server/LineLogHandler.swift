import Glibc
import LinuxIO
import Logging

/// A swift-log handler writing `TIMESTAMP LEVEL hello-server: message` lines to stderr or a `LogFile`.
struct LineLogHandler: LogHandler {
    let file: LogFile?
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = "\(Self.timestamp()) \(event.level) hello-server: \(event.message)"
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        if !merged.isEmpty {
            line += " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        if let file {
            file.write(line)
        } else {
            Self.standardError.append(Array((line + "\n").utf8))
        }
    }

    private static let standardError = AppendOnlyFile(standardStream: STDERR_FILENO)

    private static func timestamp() -> String {
        var now = time_t(WallClock.secondsSinceEpoch)
        var parts = tm()
        gmtime_r(&now, &parts)
        var text = [CChar](repeating: 0, count: 32)
        let count = strftime(&text, text.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(decoding: text[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
