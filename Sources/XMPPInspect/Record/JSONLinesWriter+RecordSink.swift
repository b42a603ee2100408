extension JSONLinesWriter: RecordSink {
    public func consume(_ record: Record) { write(record) }
    public func finish() { flush() }
}
