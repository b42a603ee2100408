import XMPPInspect

/// Passes only finding records on.
final class FindingsOnly: RecordSink {
    private let target: any RecordSink
    init(_ target: any RecordSink) { self.target = target }
    func consume(_ record: Record) { if record.event == .finding { target.consume(record) } }
    func finish() { target.finish() }
}
