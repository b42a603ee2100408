import XMPPCore

/// Per-connection totals: stanzas by kind/type/direction, iq round trips, errors, unanswered.
public final class SummaryReport: RecordSink {
    /// Totals for one connection.
    public struct ConnectionTotals: Sendable {
        /// Stanzas, nonzas and stream errors by kind, each way.
        public var stanzas = StanzaTally()
        public var roundTrips: [Double] = []
        public var unanswered = 0
        public var unmatchedResponses = 0
        /// "source condition" → count.
        public var errors: [String: Int] = [:]
        public var parseErrors = 0
        public var gaps = 0
        public var missingBytes = 0
        public var encryptedBytes: (c2s: Int, s2c: Int)?
        /// The connection's TLS session (a `tls` record), and its TLS errors.
        public var tls: TLSInfo?
        public var tlsDecrypted: Bool?
        public var tlsErrors = 0
        public var streams = 0
        /// Findings by check id, with the check's severity.
        public var findings: [String: (severity: FindingSeverity, count: Int)] = [:]
        /// Web transports: HTTP requests, failed responses (4xx, 5xx) by status, web errors.
        public var httpRequests = 0
        public var httpFailures: [Int: Int] = [:]
        public var webErrors = 0
    }

    public private(set) var totals: [Int: ConnectionTotals] = [:]
    private let output: BufferedOutput?
    /// Supplies the connections' descriptions when the report is written.
    public var connections: () -> [ConnectionDescription] = { [] }
    /// Extra lines about the input (packets read, skipped).
    public var inputLines: () -> [String] = { [] }

    public init(output: BufferedOutput?) { self.output = output }

    public func consume(_ record: Record) {
        // In place: a copy taken out of the dictionary and put back would copy the connection's
        // counts and round trips on every record (they are shared while both hold them).
        Self.add(record, to: &totals[record.connection, default: ConnectionTotals()])
    }

    private static func add(_ record: Record, to entry: inout ConnectionTotals) {
        if record.unanswered {
            entry.unanswered += 1
            return
        }
        switch record.event {
        case .stanza, .nonza, .streamError:
            // Keyed by the record's own strings: a label built here cost an interpolation a record.
            entry.stanzas.add(StanzaKind(of: record), record.direction)
            if let rtt = record.rttMilliseconds { entry.roundTrips.append(rtt) }
            if record.unmatchedResponse { entry.unmatchedResponses += 1 }
            if let error = record.error {
                entry.errors["\(error.source.rawValue) \(error.condition ?? "(no condition)")", default: 0] += 1
            }
        case .streamOpen: entry.streams += 1
        case .parseError: entry.parseErrors += 1
        case .gap:
            entry.gaps += 1
            entry.missingBytes += record.byteCount ?? 0
        case .tlsStart: entry.encryptedBytes = record.encryptedBytes
        case .tls:
            entry.tls = record.tls
            entry.tlsDecrypted = record.decrypted
        case .tlsError: entry.tlsErrors += 1
        case .finding:
            if let finding = record.finding {
                entry.findings[finding.id, default: (finding.severity, 0)].count += 1
            }
        case .http:
            if record.http?.status == nil { entry.httpRequests += 1 }
            if let http = record.http, http.isFailure, let status = http.status { entry.httpFailures[status, default: 0] += 1 }
        case .webError: entry.webErrors += 1
        case .streamClose, .connect, .tlsEstablished, .close, .proxyNote, .webSocket: break
        }
    }

    public func finish() {
        guard let output else { return }
        output.write(render())
        output.flush()
    }

    /// The nearest-rank percentile of sorted values.
    public static func percentile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[max(0, min(sorted.count - 1, rank - 1))]
    }

    /// The report as text.
    public func render() -> String {
        var text = ""
        let all = connections()
        let xmpp = all.filter(\.isXMPP)
        // Room for about a kilobyte a connection (a generous guess: a block with a dozen kinds
        // of stanza and a findings line is about half that), so the text is not copied into a
        // larger one every few lines.
        text.reserveCapacity(1024 * xmpp.count + 512)
        for connection in xmpp {
            let entry = totals[connection.id] ?? ConnectionTotals()
            text += "#\(connection.id)  \(connection.client) → \(connection.server)"
            text += "  \(connection.streamNamespace ?? "stream namespace unknown")"
            if let reason = connection.closeReason { text += "  closed: \(reason)" }
            if connection.joinedMidStream { text += "  (capture began mid-connection)" }
            if connection.transport != .tcp { text += "  over \(connection.transport == .websocket ? "WebSocket" : "BOSH")" }
            text += "\n"
            if connection.transport == .bosh && !connection.httpConnections.isEmpty {
                text += "    HTTP connections: " + connection.httpConnections.map { "#\($0.id) \($0.client)" }.joined(separator: ", ") + "\n"
            }
            if entry.httpRequests > 0 || !entry.httpFailures.isEmpty || entry.webErrors > 0 {
                text += "    HTTP requests: \(entry.httpRequests)"
                if !entry.httpFailures.isEmpty {
                    text += "; failed: " + entry.httpFailures.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
                }
                if entry.webErrors > 0 { text += "; web errors: \(entry.webErrors)" }
                text += "\n"
            }
            let rows = entry.stanzas.rows
            if !rows.isEmpty {
                // Each row in one interpolation, each label's width counted once (in characters).
                let widths = rows.map(\.label.count)
                let width = widths.max() ?? 0
                text += "    \(Blanks(width))     c2s    s2c\n"
                for ((label, counts), labelWidth) in zip(rows, widths) {
                    let c2s = String(counts.c2s), s2c = String(counts.s2c)
                    text += "    \(label)\(Blanks(width - labelWidth))  \(Blanks(6 - c2s.utf8.count))\(c2s) \(Blanks(6 - s2c.utf8.count))\(s2c)\n"
                }
            }
            let sorted = entry.roundTrips.sorted()
            text += "    iq pairs: \(sorted.count)"
            if let p50 = SummaryReport.percentile(sorted, 50), let p99 = SummaryReport.percentile(sorted, 99), let max = sorted.last {
                text += "  rtt p50 \(format(p50)) ms, p99 \(format(p99)) ms, max \(format(max)) ms"
            }
            text += "; unanswered: \(entry.unanswered); responses without request: \(entry.unmatchedResponses)\n"
            if !entry.errors.isEmpty {
                text += "    errors: " + entry.errors.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ") + "\n"
            }
            if entry.parseErrors > 0 || entry.gaps > 0 {
                text += "    parse errors: \(entry.parseErrors); gaps: \(entry.gaps) (\(entry.missingBytes) B missing)\n"
            }
            if !entry.findings.isEmpty { text += "    " + SummaryReport.findingsLine(entry.findings) + "\n" }
            if let tls = entry.tls {
                text += "    TLS: " + [tls.version, tls.suite].compactMap { $0 }.joined(separator: " ")
                    + (entry.tlsDecrypted == true ? ", decrypted" : ", not decrypted" + (tls.reason.map { ": " + $0 } ?? ""))
                    + (entry.tlsErrors > 0 ? "; \(entry.tlsErrors) TLS errors" : "") + "\n"
            }
            if let encrypted = entry.encryptedBytes, encrypted.c2s > 0 || encrypted.s2c > 0 {
                text += "    TLS began: \(encrypted.c2s) B c2s and \(encrypted.s2c) B s2c stayed encrypted\n"
            }
        }
        let empty = all.filter { !$0.isXMPP && !$0.carriedPayload }.count
        // A BOSH session's other HTTP connections are listed under it; a session that could not
        // take its first connection's number is not a TCP connection of its own.
        let carriers = all.filter { !$0.isXMPP && $0.carriesBOSHSession != nil }.count
        let tcp = all.filter(\.isTCPConnection).count
        let other = tcp - xmpp.filter(\.isTCPConnection).count - empty - carriers
        var totalsLine = "\(tcp) TCP connection\(tcp == 1 ? "" : "s"): \(xmpp.count) XMPP, "
            + (carriers > 0 ? "\(carriers) carrying a BOSH session's requests, " : "")
            + "\(other) other with payload (counted, not decoded), \(empty) without payload"
        let stanzaCount = totals.values.reduce(0) { sum, entry in
            sum + entry.stanzas.stanzaCount
        }
        totalsLine += "; \(stanzaCount) stanzas"
        text += totalsLine + "\n"
        for line in inputLines() { text += line + "\n" }
        return text
    }

    /// `findings: 1 error, 2 warnings — iq-missing-id ×1 (error), …`, the worst first.
    static func findingsLine(_ findings: [String: (severity: FindingSeverity, count: Int)]) -> String {
        var bySeverity = [FindingSeverity: Int](minimumCapacity: FindingSeverity.allCases.count)
        for (_, value) in findings { bySeverity[value.severity, default: 0] += value.count }
        let items = findings.sorted { ($0.value.severity, $1.key) > ($1.value.severity, $0.key) }
            .map { "\($0.key) ×\($0.value.count) (\($0.value.severity.rawValue))" }
        return "findings: " + FindingSeverity.describe(bySeverity) + " — " + items.joined(separator: ", ")
    }

    private func format(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    func leftPadding(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
