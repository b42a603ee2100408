import ArgumentParser
import Logging
import XMPPCore
import XMPPBase
import XMPPInspect
import XMPPTransport

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
        MallocTopPad.apply()
        if list {
            let stdout = BufferedOutput()
            stdout.write(CheckList.render(CheckCatalog.descriptors))
            stdout.flush()
            return
        }
        let selection = try selection
        // Read once; each capture's inspector gets the secrets as read (they go to its threads).
        let secrets = try keyLogOptions.open(mayGrow: false)?.snapshot()
        let color = terminalColorEnabled(noColorFlag: noColor)
        var errors = 0
        var unreadable = false
        for file in files {
            // Each input's findings are written in full before the next input is read.
            let tally = FindingTally()
            let output = CheckFindingsOutput(title: files.count > 1 ? file : nil, json: json, color: color, tally: tally)
            let readable: Bool
            if file != "-", (try? InputKind.detect(path: file)) != nil {
                readable = checkCapture(file, selection: selection, keyLog: secrets, into: output)
            } else {
                readable = checkLog(file, selection: selection, into: output)
            }
            if !readable { unreadable = true }
            errors += tally.bySeverity[.error] ?? 0
        }
        if unreadable { throw ExitCode(2) }
        if errors > 0 { throw ExitCode(1) }
    }

    /// A capture or XMPP text, pipelined as `replay` reads it: this thread reads and reassembles,
    /// one frames, one builds the records, runs the checks and writes the findings to `output`,
    /// which belongs to it from here on. False when the input could not be read (said on
    /// standard error, before its findings, as a single-threaded check said it).
    private func checkCapture(_ file: String, selection: CheckSelection, keyLog: TLSSecretsSnapshot?,
                              into output: consuming sending CheckFindingsOutput) -> Bool {
        let output = output
        let inspector = Inspector.pipelined(
            options: InspectorOptions(keepsElements: false, checks: selection), keyLog: keyLog,
            output: RecordOutput(record: { output.consume($0) }, finish: { output.finish(connections: $0) }))
        do {
            let outcome = try Replayer.replay(path: file, into: inspector) { failure in
                FileHandleStandardError.write("error: \(file): \(failure)\n")
            }
            return outcome.captureError == nil
        } catch {
            FileHandleStandardError.write("error: \(file): \(error)\n")
            // Nothing was read: the (empty) report is written all the same.
            inspector.finishAll(at: Timestamp(microseconds: 0))
            return false
        }
    }

    /// A log's records through the checks again (its own findings dropped), on this thread.
    /// False when it could not be read (said on standard error).
    private func checkLog(_ file: String, selection: CheckSelection, into output: CheckFindingsOutput) -> Bool {
        defer { output.finish(connections: []) }
        let runner = CheckRunner(selection: selection)
        do {
            try RecordSource.read(file, each: { record in
                guard record.event != .finding else { return }
                var record = record
                record.findingIDs = []
                runner.check(&record).forEach(output.consume)
            }, badLine: { FileHandleStandardError.write("\($0)\n") })
        } catch {
            FileHandleStandardError.write("error: \(file): \(error)\n")
            return false
        }
        runner.endAll().forEach(output.consume)
        return true
    }
}
