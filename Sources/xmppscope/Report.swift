import ArgumentParser
import Synchronization
import XMPPBase
import XMPPCore
import XMPPInspect
import XMPPReport
#if canImport(Glibc)
import Glibc
#endif

/// `xmppscope report FILE… -o report.html`
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page of a session: a sequence view per connection, the stanza list, latency and errors.",
        usage: "xmppscope report [<options>] <files> ...",
        discussion: """
            The page holds everything (style, script, records) and makes no network request, so it can be attached to a bug report and opened from disk in any current browser. The same input gives the same bytes. Credentials are redacted unless --show-secrets; a log is shown as it was written.

            Examples:
              xmppscope report session.pcap -o session.html
              xmppscope report session.pcapng --keylog keys.txt -f 'conn == 3' \\
                  -o conn3.html
              xmppscope report session.jsonl -o session.html
            """
    )

    @Argument(help: "Captures (pcap, pcapng), XMPP text, or logs (JSON Lines, plain or gzip).")
    var files: [String]

    @Option(name: [.customShort("o"), .customLong("output")], help: "The page to write (default: the first input's name with .html, in the current folder).")
    var output: String?

    @Option(name: .long, help: "The page's title (default: the inputs' names).")
    var title: String?

    @Option(name: [.customShort("f"), .customLong("filter")], help: "Show only records this filter matches (@NAME for a named one).")
    var filter: String?

    @Option(name: .customLong("filters"), help: "Another folder of named filters (NAME.filter).")
    var filtersDirectory: String?

    @Flag(name: .customLong("show-secrets"), help: "Keep SASL payloads and passwords instead of redacting them.")
    var showSecrets = false

    @Option(name: .customLong("checks"), help: "Run only these protocol checks (ID,ID…), or all but some (-ID,…).")
    var checks: String?

    @Flag(name: .customLong("no-checks"), help: "Run no protocol checks (no findings in the page).")
    var noChecks = false

    @OptionGroup var keyLogOptions: KeyLogOptions

    func validate() throws {
        if files.isEmpty { throw ValidationError("Name a capture or a log to report on.") }
        if noChecks && checks != nil { throw ValidationError("--checks and --no-checks do not go together: pick one.") }
        _ = try checkSelection
    }

    private var checkSelection: CheckSelection? {
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

    /// `session.pcap` → `session.html`, in the current folder.
    private var outputPath: String {
        if let output { return output }
        let name = Self.fileName(files[0])
        return (name.lastIndex(of: ".").map { String(name[..<$0]) } ?? name) + ".html"
    }

    /// The last component of `path`.
    private static func fileName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    func run() throws {
        let compiled = try filter.map { try resolveFilter($0, extra: filtersDirectory) }
        let keyLog = try keyLogOptions.open(mayGrow: false)?.snapshot()
        let options = InspectorOptions(showSecrets: showSecrets, keepsElements: false, checks: try checkSelection)
        // The filter and the collected records go to the records thread when a capture is
        // replayed (one input after another), so they are reached through a lock.
        let collecting = Mutex((filter: compiled, collector: ReportRecordCollector()))
        var failures = 0
        for file in files {
            do {
                try RecordSource.readPipelined(file, options: options, keyLog: keyLog, each: { record in
                    collecting.withLock { collecting in
                        if collecting.filter?.matches(record) ?? true { collecting.collector.consume(record) }
                    }
                }, badLine: { FileHandleStandardError.write("\($0)\n") })
            } catch {
                FileHandleStandardError.write("error: \(error)\n")
                failures += 1
            }
        }
        // Nothing read: no page, rather than an empty one that looks like a quiet session.
        if failures == files.count { throw ExitCode(2) }
        let (recordLines, recordCount) = collecting.withLock { collecting in
            collecting.collector.finish()
            return (collecting.collector.recordLines, collecting.collector.count)
        }
        let page = ReportPage(
            title: title ?? files.map(Self.fileName).joined(separator: ", "),
            generator: "xmppscope \(XMPPScope.configuration.version)"
        ).render(recordLines: recordLines)
        let path = outputPath
        guard let out = BufferedOutput(path: path) else {
            throw CommandFailure.cannotWrite(path: path, reason: WriteError.failed(errno: errno))
        }
        page.withUnsafeBufferPointer { out.write($0) }
        out.flush()
        if out.failed { throw CommandFailure.cannotWrite(path: path, reason: WriteError.failed(errno: errno)) }
        FileHandleStandardError.write("wrote \(path): \(recordCount) records, \(page.count) bytes\n")
        if failures > 0 { throw ExitCode(2) }
    }
}
