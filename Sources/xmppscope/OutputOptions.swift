import ArgumentParser
import Logging
import XMPPCore
import XMPPInspect
#if canImport(Glibc)
import Glibc
#endif

/// How records are shown; shared by `replay` and `capture`.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Write JSON Lines, one record a line (docs/log-format.md).")
    var json = false

    @Flag(name: .long, help: "Print only per-connection totals: stanzas by kind/type/direction, iq round trips, errors, unanswered.")
    var summary = false

    @Flag(name: .customLong("no-color"), help: "No colour (also when NO_COLOR is set or output is not a terminal).")
    var noColor = false

    @Flag(name: .long, help: "Show long text nodes whole instead of trimming them.")
    var full = false

    @Flag(name: .long, help: "Label every namespace with its spec's full title, not only the first time the spec is named.")
    var explain = false

    @Flag(name: .customLong("show-secrets"), help: "Keep SASL payloads and passwords instead of redacting them.")
    var showSecrets = false

    @Option(name: .customLong("max-stanza-size"), help: "Largest stanza decoded, in bytes.")
    var maxStanzaSize = FramerLimits.default.maxStanzaBytes

    @Option(name: .customLong("max-depth"), help: "Deepest element nesting decoded inside a stanza.")
    var maxDepth = FramerLimits.default.maxDepth

    @Option(name: .customLong("log-level"), help: "Diagnostics on standard error.")
    var logLevel = LogLevel.notice

    @Option(name: [.customShort("f"), .customLong("filter")], help: "Show only records this filter matches; @NAME for a named filter ('xmppscope help filters').")
    var filter: String?

    @Option(name: .customLong("log"), help: "Also write every shown record as JSON Lines to this file.")
    var log: String?

    @Option(name: .customLong("filters"), help: "Another folder of named filters (NAME.filter).")
    var filtersDirectory: String?

    @Option(name: .customLong("checks"), help: "Run only these protocol checks (ID,ID…), or all but some (-ID,…); 'xmppscope check --list' lists them.")
    var checks: String?

    @Flag(name: .customLong("no-checks"), help: "Run no protocol checks (no finding records).")
    var noChecks = false

    @OptionGroup var keyLog: KeyLogOptions

    func validate() throws {
        if json && summary { throw ValidationError("--json and --summary do not go together: pick one.") }
        if maxStanzaSize < 64 { throw ValidationError("--max-stanza-size must be at least 64 bytes.") }
        if maxDepth < 1 { throw ValidationError("--max-depth must be at least 1.") }
        if noChecks && checks != nil { throw ValidationError("--checks and --no-checks do not go together: pick one.") }
        _ = try checkSelection
    }

    /// The checks to run: nil with --no-checks, all without --checks.
    var checkSelection: CheckSelection? {
        get throws {
            if noChecks { return nil }
            guard let checks else { return .all }
            do {
                return try CheckSelection(parsing: checks)
            } catch {
                throw ValidationError(error.description + ".")
            }
        }
    }

    var inspectorOptions: InspectorOptions {
        InspectorOptions(
            limits: FramerLimits(maxStanzaBytes: maxStanzaSize, maxDepth: maxDepth),
            showSecrets: showSecrets,
            keepsElements: !(json || summary),
            checks: (try? checkSelection) ?? nil
        )
    }

    var colorEnabled: Bool { terminalColorEnabled(noColorFlag: noColor) }

    /// The key logs given with `--keylog`, read (and, with `mayGrow`, read again as they grow);
    /// nil without any. Malformed lines are warnings on standard error.
    func makeKeyLog(mayGrow: Bool) throws -> KeyLogFiles? {
        try keyLog.open(mayGrow: mayGrow)
    }

    /// The sink the options ask for, writing to standard output.
    func makeSink(output: BufferedOutput) -> any RecordSink {
        if json { return JSONLinesWriter(output: output) }
        if summary { return SummaryReport(output: output) }
        return PrettyPrinter(output: output, style: colorEnabled ? .ansi : .plain, showFullText: full, explain: explain)
    }

    /// The sink chain the options ask for: the screen's sink, with `--log` beside it and
    /// `--filter` in front. Returns the screen's sink, the head of the chain (where records go),
    /// and the log file's output (a live source flushes it with the screen, so the file keeps
    /// up). `beside` gets what the screen gets (`--web`'s live view). Throws a ``CommandFailure``
    /// on a bad filter or log path.
    func makeSinkChain(output: BufferedOutput, beside extra: (any RecordSink)? = nil) throws -> (screen: any RecordSink, head: any RecordSink, logFile: BufferedOutput?) {
        let screen = makeSink(output: output)
        var targets: [any RecordSink] = [screen]
        var logFile: BufferedOutput?
        if let log {
            guard let file = BufferedOutput(path: log) else { throw CommandFailure.cannotWriteLog(path: log) }
            logFile = file
            targets.append(JSONLinesWriter(output: file))
        }
        if let extra { targets.append(extra) }
        var head: any RecordSink = targets.count == 1 ? screen : TeeSink(targets)
        if let filter {
            head = FilteringSink(filter: try resolveFilter(filter, extra: filtersDirectory), target: head)
        }
        return (screen, head, logFile)
    }

    func bootstrapLogging() {
        let level = logLevel.loggerLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// Colour on a terminal, unless --no-color or a non-empty NO_COLOR (no-color.org) says otherwise.
func terminalColorEnabled(noColorFlag: Bool) -> Bool {
    let noColorEnvironment = getenv("NO_COLOR").map { !String(cString: $0).isEmpty } ?? false
    return !noColorFlag && !noColorEnvironment && isatty(STDOUT_FILENO) == 1
}
