import ArgumentParser
import Synchronization
import XMPPCore
import XMPPInspect
#if canImport(Glibc)
import Glibc
#endif

/// `xmppscope grep EXPR FILES…`
struct Grep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grep",
        abstract: "Select records from logs (JSON Lines, plain or gzip, - for standard input) or captures with a filter.",
        usage: """
            xmppscope grep [<options>] <filter> <files> ...
            xmppscope grep [<options>] -f <filter> <files> ...
            """,
        discussion: """
            A line that is not a record is reported on standard error with file:line and \
            skipped.

            Examples:
              xmppscope grep 'error.condition == "item-not-found"' session.jsonl \\
                  more.jsonl.gz
              xmppscope grep -f @slow-iq session.jsonl --with-request
              xmppscope grep 'message and body contains "hi"' - < log.jsonl
            """
    )

    @Option(name: [.customShort("f"), .customLong("filter")], help: "The filter, or @NAME for a named one (then every argument is a file).")
    var filter: String?

    @Argument(help: "The filter (unless -f is given), then the files.")
    var arguments: [String] = []

    @Flag(name: .long, help: "Write JSON Lines (the default when output is not a terminal).")
    var json = false

    @Flag(name: .long, help: "Print only the number of matching records.")
    var count = false

    @Option(name: .customShort("A"), help: "Also show N records after each match, on the same connection.")
    var after = 0

    @Option(name: .customShort("B"), help: "Also show N records before each match, on the same connection.")
    var before = 0

    @Flag(name: .customLong("with-request"), help: "Show the request of each matching response above it.")
    var withRequest = false

    @Flag(name: .customLong("with-response"), help: "Show the response of each matching request after it.")
    var withResponse = false

    @Flag(name: .customLong("no-color"), help: "No colour.")
    var noColor = false

    @Flag(name: .long, help: "Show long text nodes whole.")
    var full = false

    @Flag(name: .long, help: "Label every namespace with its spec's full title, not only the first time the spec is named.")
    var explain = false

    @OptionGroup var keyLogOptions: KeyLogOptions

    @Option(name: .customLong("filters"), help: "Another folder of named filters (NAME.filter).")
    var filtersDirectory: String?

    func validate() throws {
        if after < 0 || before < 0 { throw ValidationError("-A and -B take a count of 0 or more.") }
        if filter == nil && arguments.isEmpty { throw ValidationError("Give a filter and at least one file (- for standard input).") }
    }

    func run() throws {
        var files = arguments
        let expression = filter ?? files.removeFirst()
        if files.isEmpty { files = ["-"] }
        let compiled = try resolveFilter(expression, extra: filtersDirectory, exitStatus: 2)  // 1 means "no match"
        let stdout = BufferedOutput()
        let writeJSON = json || isatty(STDOUT_FILENO) != 1
        let sink: any RecordSink = writeJSON
            ? JSONLinesWriter(output: stdout)
            : PrettyPrinter(output: stdout, style: terminalColorEnabled(noColorFlag: noColor) ? .ansi : .plain, showFullText: full, explain: explain)
        let count = self.count
        // Context and partners need every record; plain matching can skip lines that cannot match.
        let needsAll = before > 0 || after > 0 || withRequest || withResponse
        let prefilter = needsAll ? [] : compiled.requiredLiterals
        let engine = GrepEngine(
            filter: compiled,
            options: GrepEngine.Options(before: before, after: after, withRequest: withRequest, withResponse: withResponse)
        ) { record in if !count { sink.consume(record) } }
        // The engine and its output go to the records thread when a capture is replayed (one
        // input after another), so they are reached through a lock.
        let grep = Mutex((engine: engine, sink: sink, stdout: stdout))
        var failed = false
        let keyLog = try keyLogOptions.open(mayGrow: false)?.snapshot()
        for file in files {
            grep.withLock { $0.engine.startSource() }
            do {
                try RecordSource.readPipelined(file, prefilter: prefilter, keyLog: keyLog,
                                               each: { record in grep.withLock { $0.engine.consume(record) } },
                                               badLine: { FileHandleStandardError.write("\($0)\n") })
            } catch {
                FileHandleStandardError.write("error: \(error)\n")
                failed = true
            }
        }
        let matches = grep.withLock { grep in
            if count { grep.stdout.write("\(grep.engine.matches)\n") }
            grep.sink.finish()
            grep.stdout.flush()
            return grep.engine.matches
        }
        if failed { throw ExitCode(2) }
        if matches == 0 { throw ExitCode(1) }
    }
}
