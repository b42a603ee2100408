public import XMPPInspect

/// Keeps the records a report shows as JSON Lines, in the order they come.
public final class ReportRecordCollector: RecordSink {
    /// The records so far, one JSON object a line.
    public private(set) var recordLines: [UInt8] = []
    /// How many records were kept.
    public private(set) var count = 0

    public init() {}

    public func consume(_ record: Record) {
        JSONLinesWriter.encode(record, into: &recordLines)
        recordLines.append(0x0A)
        count += 1
    }

    /// Nothing is pending: the lines are whole after each record.
    public func finish() {}
}
