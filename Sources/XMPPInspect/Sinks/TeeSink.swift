/// Passes every record to several sinks (the screen and a log file at once).
public final class TeeSink: RecordSink {
    private let targets: [any RecordSink]

    public init(_ targets: [any RecordSink]) { self.targets = targets }

    public func consume(_ record: Record) {
        for target in targets { target.consume(record) }
    }

    public func finish() {
        for target in targets { target.finish() }
    }
}
