import ArgumentParser
import Logging
import XMPPCore
import XMPPInspect

/// `xmppscope check FILE…`
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Find what a client or server said wrongly: protocol checks over a capture, an XML console dump or a log.",
        usage: "xmppscope check [<options>] [<files> ...]",
        discussion: """
            Every check is a rule of RFC 6120/6121/7622 or an XEP (docs/checks.md). Findings \
            are grouped by connection, errors first; the exit status is 1 if any finding is an \
            error, 2 if an input could not be read. A log (JSON Lines) is checked again from \
            its records: findings already in it are replaced.

            Examples:
              xmppscope check session.pcap --keylog keys.txt
              xmppscope check session.jsonl
              xmppscope check session.pcap --checks=-message-missing-type
              xmppscope check session.pcap --json > findings.jsonl
              xmppscope check --list
            """
    )

    @Argument(help: "Captures (pcap, pcapng), XMPP text, or logs (JSON Lines, plain or gzip, - for standard input).")
    var files: [String] = []

    @Flag(name: .long, help: "List every check (id, severity, spec, rule) and exit.")
    var list = false

    @Flag(name: .long, help: "Write the findings as JSON Lines records (docs/log-format.md).")
    var json = false

    @Option(name: .customLong("checks"), help: "Run only these checks (ID,ID…), or all but some (-ID,…).")
    var checks: String?

    @Flag(name: .customLong("no-color"), help: "No colour (also when NO_COLOR is set or output is not a terminal).")
    var noColor = false

    @OptionGroup var keyLogOptions: KeyLogOptions

    func validate() throws {
        if !list && files.isEmpty { throw ValidationError("Give a capture or a log to check (or --list).") }
        _ = try selection
    }

    private var selection: CheckSelection {
        get throws {
            guard let checks else { return .all }
            do {
                return try CheckSelection(parsing: checks)
            } catch {
                throw ValidationError(error.description + ".")
            }
        }
    }

    func run() throws {
        let stdout = BufferedOutput()
        if list {
            stdout.write(CheckList.render(CheckCatalog.descriptors))
            stdout.flush()
            return
        }
        let selection = try selection
        let keyLog = try keyLogOptions.open(mayGrow: false)
        let style: TerminalStyle = terminalColorEnabled(noColorFlag: noColor) ? .ansi : .plain
        var errors = 0
        var unreadable = false
        for file in files {
            let sink: any RecordSink
            let report = json ? nil : FindingReport(output: stdout, style: style)
            if let report {
                if files.count > 1 { report.title = file }
                sink = report
            } else {
                sink = FindingsOnly(JSONLinesWriter(output: stdout))
            }
            let tally = FindingTally()
            let consume = { (record: Record) in
                tally.count(record)
                sink.consume(record)
            }
            do {
                if file != "-", (try? InputKind.detect(path: file)) != nil {
                    let inspector = Inspector(options: InspectorOptions(keepsElements: false, checks: selection), keyLog: keyLog) {
                        consume($0)
                    }
                    let outcome = try Replayer.replay(path: file, into: inspector)
                    report?.connections = { inspector.connections }
                    if let failure = outcome.captureError {
                        FileHandleStandardError.write("error: \(file): \(failure)\n")
                        unreadable = true
                    }
                } else {
                    try checkLog(file, selection: selection, into: consume)
                }
            } catch {
                FileHandleStandardError.write("error: \(file): \(error)\n")
                unreadable = true
            }
            sink.finish()
            errors += tally.bySeverity[.error] ?? 0
        }
        stdout.flush()
        if unreadable { throw ExitCode(2) }
        if errors > 0 { throw ExitCode(1) }
    }

    /// A log's records through the checks again (its own findings dropped).
    private func checkLog(_ file: String, selection: CheckSelection, into consume: (Record) -> Void) throws {
        let runner = CheckRunner(selection: selection)
        try RecordSource.read(file, each: { record in
            guard record.event != .finding else { return }
            var record = record
            record.findingIDs = []
            runner.check(&record).forEach(consume)
        }, badLine: { FileHandleStandardError.write("\($0)\n") })
        runner.endAll().forEach(consume)
    }
}

/// Passes only finding records on.
private final class FindingsOnly: RecordSink {
    private let target: any RecordSink
    init(_ target: any RecordSink) { self.target = target }
    func consume(_ record: Record) { if record.event == .finding { target.consume(record) } }
    func finish() { target.finish() }
}
