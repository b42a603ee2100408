import XMPPCore

/// `xmppscope stats`: iq round trips by namespace (count, p50, p95, p99, max), errors by
/// condition, unanswered requests, and stanzas by kind/type/direction.
public final class LatencyStatistics {
    /// Round trips of one namespace, in milliseconds.
    public struct Latency: Sendable {
        public var namespace: String
        public var samples: [Double]
    }

    private struct RequestKey: Hashable {
        var source: Int
        var connection: Int
        var seq: Int
    }

    private var source = 0
    private var requestNamespace: [RequestKey: String] = [:]
    public private(set) var latencies: [String: [Double]] = [:]
    public private(set) var errors: [String: Int] = [:]
    public private(set) var unanswered: [String: Int] = [:]
    /// "kind type" → [c2s, s2c].
    public private(set) var stanzas: [String: [Int]] = [:]
    /// Findings by check id, with the check's severity.
    public private(set) var findings: [String: (severity: FindingSeverity, count: Int)] = [:]

    public init() {}

    public func startSource() {
        source += 1
        requestNamespace.removeAll()
    }

    public func consume(_ record: Record) {
        if let finding = record.finding {
            findings[finding.id, default: (finding.severity, 0)].count += 1
            return
        }
        let namespace = record.namespaces.first ?? "(no payload)"
        if record.unanswered {
            unanswered[namespace, default: 0] += 1
            requestNamespace[RequestKey(source: source, connection: record.connection, seq: record.seq)] = nil
            return
        }
        if record.event == .stanza {
            let key = "\(record.kind ?? "?") \(record.type ?? "-")"
            stanzas[key, default: [0, 0]][record.direction == .c2s ? 0 : 1] += 1
        }
        if record.isRequest {
            requestNamespace[RequestKey(source: source, connection: record.connection, seq: record.seq)] = namespace
        }
        if let requestSeq = record.requestSeq {
            let key = RequestKey(source: source, connection: record.connection, seq: requestSeq)
            let asked = requestNamespace.removeValue(forKey: key) ?? namespace
            if let rtt = record.rttMilliseconds { latencies[asked, default: []].append(rtt) }
        }
        if let error = record.error {
            errors["\(error.source.rawValue) \(error.condition ?? "(no condition)")", default: 0] += 1
        }
    }

    /// The report as text.
    public func render() -> String {
        var text = "iq round trips by namespace (ms)\n"
        let rows = latencies.map { (namespace, samples) -> [String] in
            let sorted = samples.sorted()
            func p(_ value: Double) -> String { format(SummaryReport.percentile(sorted, value) ?? 0) }
            let label = NamespaceRegistry.info(for: namespace).map { "\($0.label) (\($0.spec))" } ?? namespace
            return [label, String(sorted.count), p(50), p(95), p(99), format(sorted.last ?? 0)]
        }.sorted { Int($0[1])! > Int($1[1])! || (Int($0[1])! == Int($1[1])! && $0[0] < $1[0]) }
        text += table(header: ["namespace", "count", "p50", "p95", "p99", "max"], rows: rows)
        text += "\nerrors by condition\n"
        text += table(header: ["condition", "count"], rows: errors.sorted { $0.key < $1.key }.map { [$0.key, String($0.value)] })
        text += "\nunanswered requests: \(unanswered.values.reduce(0, +))\n"
        if !unanswered.isEmpty {
            text += table(header: ["namespace", "count"], rows: unanswered.sorted { $0.key < $1.key }.map { [$0.key, String($0.value)] })
        }
        text += "\nfindings by check: \(findings.values.reduce(0) { $0 + $1.count })\n"
        if !findings.isEmpty {
            let rows = findings.sorted { ($0.value.severity, $1.key) > ($1.value.severity, $0.key) }
            text += table(header: ["check", "severity", "count"],
                          rows: rows.map { [$0.key, $0.value.severity.rawValue, String($0.value.count)] })
        }
        text += "\nstanzas by kind, type and direction\n"
        text += table(header: ["kind type", "c2s", "s2c"],
                      rows: stanzas.sorted { $0.key < $1.key }.map { [$0.key, String($0.value[0]), String($0.value[1])] })
        return text
    }

    private func table(header: [String], rows: [[String]]) -> String {
        guard !rows.isEmpty else { return "  (none)\n" }
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            "  " + row.enumerated().map { column, cell in
                column == 0 ? cell.padding(widths[column]) : cell.leftPadding(widths[column])
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    private func format(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
