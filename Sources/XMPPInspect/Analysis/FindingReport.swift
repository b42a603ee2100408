/// `xmppscope check`: the findings of an input, grouped by connection, worst first within each,
/// with a closing line of totals.
public final class FindingReport: RecordSink {
    private let output: BufferedOutput
    private let style: TerminalStyle
    /// Findings by connection, in the order they came.
    private var findings: [Int: [Record]] = [:]
    private var connectionOrder: [Int] = []
    /// Every connection the input had (for the totals), once known.
    public var connections: () -> [ConnectionDescription] = { [] }
    /// A name for the input, printed before its findings when there are several inputs.
    public var title: String?

    public private(set) var counts: [FindingSeverity: Int] = [:]

    public init(output: BufferedOutput, style: TerminalStyle) {
        self.output = output
        self.style = style
    }

    public func consume(_ record: Record) {
        guard let finding = record.finding else { return }
        if findings[record.connection] == nil { connectionOrder.append(record.connection) }
        findings[record.connection, default: []].append(record)
        counts[finding.severity, default: 0] += 1
    }

    public func finish() {
        output.write(render())
        output.flush()
    }

    /// The report as text.
    public func render() -> String {
        var text = title.map { style.bold + $0 + style.reset + "\n" } ?? ""
        let described = Dictionary(connections().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for connection in connectionOrder {
            let list = findings[connection] ?? []
            text += style.cyan + "connection #\(connection)" + style.reset
            if let description = described[connection] { text += "  \(description.client) → \(description.server)" }
            text += "\n"
            // Worst first; within a severity, in the order found.
            let ordered = list.enumerated().sorted { a, b in
                let (x, y) = (a.element.finding!.severity, b.element.finding!.severity)
                return x != y ? x > y : a.offset < b.offset
            }.map(\.element)
            for record in ordered { text += render(record) }
        }
        let total = counts.values.reduce(0, +)
        if total == 0 {
            text += "no findings"
        } else {
            text += "\(total) finding\(total == 1 ? "" : "s"): " + FindingSeverity.describe(counts)
                + " in \(connectionOrder.count) connection\(connectionOrder.count == 1 ? "" : "s")"
        }
        let xmpp = connections().filter(\.isXMPP).count
        if xmpp > 0 { text += " (\(xmpp) XMPP connection\(xmpp == 1 ? "" : "s") checked)" }
        return text + "\n"
    }

    private func render(_ record: Record) -> String {
        guard let finding = record.finding else { return "" }
        let mark: String
        switch finding.severity {
        case .error: mark = style.red + style.bold + "✖ error  "
        case .warning: mark = style.yellow + style.bold + "⚠ warning"
        case .info: mark = style.cyan + "ℹ info   "
        }
        var text = "  " + mark + style.reset + " " + style.bold + finding.id + style.reset
        text += style.dim + "  " + finding.spec + "  " + record.direction.rawValue
        if !record.about.isEmpty { text += "  about " + record.about.map { "#\($0)" }.joined(separator: ", ") }
        text += style.reset + "\n"
        text += "      " + finding.message + "\n"
        text += "      " + style.dim + "fix: " + finding.hint + style.reset + "\n"
        return text
    }
}
