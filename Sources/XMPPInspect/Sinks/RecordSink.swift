/// Something that consumes records: a printer, a log writer, a summary.
public protocol RecordSink: AnyObject {
    func consume(_ record: Record)
    /// No more records will come: write what is pending.
    func finish()
}
