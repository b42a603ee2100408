import XMPPInspect

/// Where `check` puts one input's records: the findings report by connection, or (`--json`) the
/// finding records, on standard output, and the tally the exit status is decided by. A capture's
/// records reach it on the records thread, a log's on the main thread; either way it is used on
/// one thread only, and the tally is read once it is finished.
final class CheckFindingsOutput {
    private let sink: any RecordSink
    private let report: FindingReport?
    private let tally: FindingTally

    /// `title` names the input above its findings (several inputs); `json` writes records instead of a report.
    init(title: String?, json: Bool, color: Bool, tally: FindingTally) {
        let output = BufferedOutput()
        if json {
            sink = FindingsOnly(JSONLinesWriter(output: output))
            report = nil
        } else {
            let report = FindingReport(output: output, style: color ? .ansi : .plain)
            report.title = title
            sink = report
            self.report = report
        }
        self.tally = tally
    }

    func consume(_ record: Record) {
        tally.count(record)
        sink.consume(record)
    }

    /// Writes the report (its totals name `connections`), or the last records, and flushes.
    func finish(connections: [ConnectionDescription]) {
        report?.connections = { connections }
        sink.finish()
    }
}
