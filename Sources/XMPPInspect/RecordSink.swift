/// Something that consumes records: a printer, a log writer, a summary.
public protocol RecordSink: AnyObject {
    func consume(_ record: Record)
    /// No more records will come: write what is pending.
    func finish()
}

extension JSONLinesWriter: RecordSink {
    public func consume(_ record: Record) { write(record) }
    public func finish() { flush() }
}
