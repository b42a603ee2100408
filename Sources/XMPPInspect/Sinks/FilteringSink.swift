/// Passes on only the records a filter matches.
public final class FilteringSink: RecordSink {
    private let filter: RecordFilter
    private let target: any RecordSink

    public init(filter: RecordFilter, target: any RecordSink) {
        self.filter = filter
        self.target = target
    }

    public func consume(_ record: Record) {
        if filter.matches(record) { target.consume(record) }
    }

    public func finish() { target.finish() }
}
