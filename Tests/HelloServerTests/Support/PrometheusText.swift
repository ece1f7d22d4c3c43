/// A strict reader of the Prometheus text exposition format (0.0.4), for checking `/metrics`.
///
/// It accepts only what a Prometheus server would scrape without complaint and what this
/// project promises on top (README, Watching it work):
/// - every line is `# HELP name text`, `# TYPE name counter|gauge|histogram` or a sample
///   `name{label="value",...} value`; the text ends with a newline; no blank lines;
/// - a family's HELP and TYPE come once each, before its samples, and its samples are
///   contiguous; every sample belongs to the family declared last (`name` for counters and
///   gauges; `name_bucket` with an `le` label, `name_sum`, `name_count` for histograms);
/// - values are floats; no sample (name plus label set) appears twice;
/// - every name starts with `hello_` (or `process_`, the standard process metrics), and
///   counters end in `_total`;
/// - a histogram has, per label set, buckets with increasing `le` bounds and non-decreasing
///   cumulative counts, ending with `le="+Inf"` equal to `_count`, and a `_sum`.
///
/// Invariant: a value exists only if the text passed every rule; the first broken rule is
/// thrown with its line number.
struct PrometheusText {
    enum MetricType: String { case counter, gauge, histogram }

    struct Sample: Equatable {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    struct Family {
        let name: String
        var type: MetricType?
        var help: String?
        var samples: [Sample] = []
    }

    struct Violation: Error, CustomStringConvertible {
        let line: Int
        let message: String
        var description: String { line > 0 ? "line \(line): \(message)" : message }
    }

    /// The families in the order they appear.
    private(set) var families: [Family] = []

    init(parsing text: String, allowedPrefixes: [String] = ["hello_", "process_"]) throws(Violation) {
        guard text.hasSuffix("\n") else { throw Violation(line: 0, message: "the exposition does not end with a newline") }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var seenSamples = Set<String>()
        var closed = Set<String>()
        for (index, line) in lines.enumerated() {
            let number = index + 1
            func fail(_ message: String) -> Violation { Violation(line: number, message: "\(message): \(line.debugDescription)") }
            if line.isEmpty { throw fail("blank line") }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
                guard parts.count >= 3, parts[0] == "#", parts[1] == "HELP" || parts[1] == "TYPE" else {
                    throw fail("a comment other than # HELP or # TYPE")
                }
                let name = parts[2]
                guard Self.isMetricName(name) else { throw fail("bad metric name") }
                guard allowedPrefixes.contains(where: name.hasPrefix) else { throw fail("name without one of the prefixes \(allowedPrefixes)") }
                if families.last?.name != name {
                    guard !closed.contains(name), !families.contains(where: { $0.name == name }) else {
                        throw fail("family \(name) declared again after other families")
                    }
                    if let previous = families.last?.name { closed.insert(previous) }
                    families.append(Family(name: name))
                }
                guard families[families.count - 1].samples.isEmpty else { throw fail("\(parts[1]) after the family's samples") }
                if parts[1] == "HELP" {
                    guard families[families.count - 1].help == nil else { throw fail("second HELP") }
                    guard parts.count == 4, !parts[3].isEmpty else { throw fail("HELP without text") }
                    families[families.count - 1].help = parts[3]
                } else {
                    guard families[families.count - 1].type == nil else { throw fail("second TYPE") }
                    guard parts.count == 4, let type = MetricType(rawValue: parts[3]) else {
                        throw fail("TYPE is not counter, gauge or histogram")
                    }
                    if type == .counter && !name.hasSuffix("_total") { throw fail("counter not named *_total") }
                    families[families.count - 1].type = type
                }
                continue
            }
            guard let sample = Self.parseSample(line) else { throw fail("not a sample line `name{label=\"v\",...} value`") }
            guard allowedPrefixes.contains(where: sample.name.hasPrefix) else { throw fail("name without one of the prefixes \(allowedPrefixes)") }
            guard let family = families.last else { throw fail("sample before any # TYPE") }
            guard let type = family.type else { throw fail("sample of a family without # TYPE") }
            guard family.help != nil else { throw fail("sample of a family without # HELP") }
            switch type {
            case .counter, .gauge:
                guard sample.name == family.name else { throw fail("sample not in the family \(family.name) declared before it") }
                if type == .counter && !(sample.value >= 0) { throw fail("negative counter") }
            case .histogram:
                let suffix = sample.name.hasPrefix(family.name) ? String(sample.name.dropFirst(family.name.count)) : ""
                guard ["_bucket", "_sum", "_count"].contains(suffix) else {
                    throw fail("histogram sample is not \(family.name)_bucket, _sum or _count")
                }
                if suffix == "_bucket" {
                    guard let le = sample.labels["le"], Self.bound(le) != nil else { throw fail("bucket without a numeric le label") }
                } else if sample.labels["le"] != nil {
                    throw fail("le label outside _bucket")
                }
            }
            let key = sample.name + "{" + sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
            guard seenSamples.insert(key).inserted else { throw fail("duplicate sample") }
            families[families.count - 1].samples.append(sample)
        }
        for family in families {
            guard family.type != nil, family.help != nil else {
                throw Violation(line: 0, message: "family \(family.name) lacks # HELP or # TYPE")
            }
            if family.type == .histogram { try Self.checkHistogram(family) }
        }
    }

    /// The family called `name`, if present.
    func family(_ name: String) -> Family? { families.first { $0.name == name } }

    /// The value of the sample `name` whose labels are exactly `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        for family in families {
            if let sample = family.samples.first(where: { $0.name == name && $0.labels == labels }) { return sample.value }
        }
        return nil
    }

    // MARK: Rules

    private static func checkHistogram(_ family: Family) throws(Violation) {
        func fail(_ message: String) -> Violation { Violation(line: 0, message: "histogram \(family.name): \(message)") }
        var groups: [[String: String]: [Sample]] = [:]
        for sample in family.samples {
            var labels = sample.labels
            labels["le"] = nil
            groups[labels, default: []].append(sample)
        }
        guard !groups.isEmpty else { throw fail("no samples") }
        for (labels, samples) in groups {
            let buckets = samples.filter { $0.name == family.name + "_bucket" }
            guard let last = buckets.last, last.labels["le"] == "+Inf" else { throw fail("\(labels): buckets do not end with le=\"+Inf\"") }
            var previousBound = -Double.infinity
            var previousCount = 0.0
            for bucket in buckets {
                let bound = Self.bound(bucket.labels["le"] ?? "") ?? .nan
                guard bound > previousBound else { throw fail("\(labels): le bounds not increasing at le=\(bucket.labels["le"] ?? "?")") }
                guard bucket.value >= previousCount else { throw fail("\(labels): cumulative count decreases at le=\(bucket.labels["le"] ?? "?")") }
                previousBound = bound
                previousCount = bucket.value
            }
            guard let count = samples.first(where: { $0.name == family.name + "_count" }) else { throw fail("\(labels): no _count") }
            guard samples.contains(where: { $0.name == family.name + "_sum" }) else { throw fail("\(labels): no _sum") }
            guard count.value == last.value else { throw fail("\(labels): _count \(count.value) differs from the +Inf bucket \(last.value)") }
        }
    }

    private static func bound(_ text: String) -> Double? {
        text == "+Inf" ? .infinity : floatValue(text)
    }

    /// A Go-style float: decimal or exponent notation, or +Inf, -Inf, NaN.
    private static func floatValue(_ text: String) -> Double? {
        switch text {
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default:
            guard !text.isEmpty, text.allSatisfy({ "0123456789+-.eE".contains($0) }) else { return nil }
            return Double(text)
        }
    }

    static func isMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, isNameStart(first) || first == ":" else { return false }
        return name.unicodeScalars.allSatisfy { isNameStart($0) || $0 == ":" || ("0"..."9").contains($0) }
    }

    private static func isLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, isNameStart(first) else { return false }
        return name.unicodeScalars.allSatisfy { isNameStart($0) || ("0"..."9").contains($0) }
    }

    private static func isNameStart(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_"
    }

    /// `name value`, `name{a="x",b="y"} value` (with `\\`, `\"`, `\n` escapes in values), or
    /// either followed by an integer timestamp.
    private static func parseSample(_ line: String) -> Sample? {
        let characters = Array(line)
        var index = 0
        while index < characters.count && characters[index] != "{" && characters[index] != " " { index += 1 }
        let name = String(characters[0..<index])
        guard isMetricName(name), index < characters.count else { return nil }
        var labels: [String: String] = [:]
        if characters[index] == "{" {
            index += 1
            while true {
                guard index < characters.count else { return nil }
                if characters[index] == "}" { index += 1; break }
                var labelEnd = index
                while labelEnd < characters.count && characters[labelEnd] != "=" { labelEnd += 1 }
                let label = String(characters[index..<labelEnd])
                guard isLabelName(label), labels[label] == nil, labelEnd + 1 < characters.count, characters[labelEnd + 1] == "\"" else { return nil }
                index = labelEnd + 2
                var value = ""
                while true {
                    guard index < characters.count else { return nil }
                    let character = characters[index]
                    if character == "\"" { index += 1; break }
                    if character == "\\" {
                        guard index + 1 < characters.count else { return nil }
                        switch characters[index + 1] {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: return nil
                        }
                        index += 2
                        continue
                    }
                    value.append(character)
                    index += 1
                }
                labels[label] = value
                guard index < characters.count else { return nil }
                if characters[index] == "," { index += 1 } else if characters[index] != "}" { return nil }
            }
        }
        guard index < characters.count, characters[index] == " " else { return nil }
        let fields = String(characters[(index + 1)...]).split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 1 || (fields.count == 2 && Int64(fields[1]) != nil), let value = floatValue(String(fields[0])) else { return nil }
        return Sample(name: name, labels: labels, value: value)
    }
}
