/// The records thread of a threaded ``Inspector``: builds records from the framing stage's
/// events (``RecordStage``) and hands them to a ``RecordOutput``, which it owns.
struct RecordThreadConsumer: HandOffConsumer {
    /// What the framing side hands over; each costs 1, so the water marks count batches.
    enum Item: Sendable {
        case events([FramingEvent])
        /// The framing stage finished; every connection it saw.
        case end([ConnectionDescription])
    }

    private let records: RecordStage
    private let output: RecordOutput
    private var connections: [ConnectionDescription] = []

    init(options: InspectorOptions, output: consuming sending RecordOutput) {
        let output = output
        self.output = output
        records = RecordStage(options: options, sink: output.record)
    }

    mutating func consume(_ items: ArraySlice<Item>) {
        for item in items {
            switch item {
            case .events(let events):
                for event in events { records.consume(event) }
                output.batchDone()
            case .end(let connections):
                self.connections = connections
            }
        }
    }

    func finish() {
        output.finish(connections)
    }
}
