public import XMPPInspect

/// Keeps the records a report shows as JSON Lines, in the order they come; hands them over when
/// the input ends.
public final class ReportRecordCollector: RecordSink {
    /// The records so far, one JSON object a line.
    public private(set) var recordLines: [UInt8] = []
    /// How many records were kept.
    public private(set) var count = 0
    private let finished: ([UInt8], Int) -> Void

    /// `finished` gets the records and their count when the input ends.
    public init(finished: @escaping ([UInt8], Int) -> Void) {
        self.finished = finished
    }

    public func consume(_ record: Record) {
        JSONLinesWriter.encode(record, into: &recordLines)
        recordLines.append(0x0A)
        count += 1
    }

    public func finish() {
        finished(recordLines, count)
    }
}
