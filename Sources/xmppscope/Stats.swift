import ArgumentParser
import Synchronization
import XMPPCore
import XMPPInspect

/// `xmppscope stats FILES… [-f EXPR]`
struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "iq latency by namespace (count, p50, p95, p99, max), errors by condition, unanswered requests, findings by check, stanzas by kind/type/direction.",
        usage: "xmppscope stats [<options>] [<files> ...]",
        discussion: """
            Reads logs (JSON Lines, plain or gzip, - for standard input) or captures. With \
            -f, only matching records count; a response's round trip goes to its request's \
            namespace when the request matched too, else to the response's own first payload \
            namespace.

            Example:
              xmppscope stats session.jsonl -f 'conn == 3'
            """
    )

    @Argument(help: "Logs or captures.")
    var files: [String] = []

    @Option(name: [.customShort("f"), .customLong("filter")], help: "Count only records this filter matches (@NAME for a named one).")
    var filter: String?

    @Option(name: .customLong("filters"), help: "Another folder of named filters (NAME.filter).")
    var filtersDirectory: String?

    @OptionGroup var keyLogOptions: KeyLogOptions

    func run() throws {
        // The filter and the counts go to the records thread when a capture is replayed (one
        // input after another), so they are reached through a lock.
        let counting = Mutex((filter: try filter.map { try resolveFilter($0, extra: filtersDirectory) },
                              statistics: LatencyStatistics()))
        var failed = false
        let keyLog = try keyLogOptions.open(mayGrow: false)?.snapshot()
        for file in files.isEmpty ? ["-"] : files {
            counting.withLock { $0.statistics.startSource() }
            do {
                try RecordSource.readPipelined(file, keyLog: keyLog, each: { record in
                    counting.withLock { counting in
                        if counting.filter?.matches(record) ?? true { counting.statistics.consume(record) }
                    }
                }, badLine: { FileHandleStandardError.write("\($0)\n") })
            } catch {
                FileHandleStandardError.write("error: \(error)\n")
                failed = true
            }
        }
        let stdout = BufferedOutput()
        stdout.write(counting.withLock { $0.statistics.render() })
        stdout.flush()
        if failed { throw ExitCode(2) }
    }
}
