/// The framing side of a threaded ``Inspector``: gathers the framing stage's events into
/// batches and hands each to the records thread, waiting while that thread is too far behind.
/// Used on the framing thread only.
final class RecordBatcher {
    private let thread: HandOffThread<RecordThreadConsumer>
    private let batchSize: Int
    private var batch: [FramingEvent] = []

    /// Starts the records thread, which owns `output` from now on. The framing thread waits
    /// once more than `queuedBatches` batches wait (the one being turned into records included),
    /// and goes on once half as many do (then works in one stretch, not a batch at a time).
    init(options: InspectorOptions, output: consuming sending RecordOutput, batchSize: Int = 512, queuedBatches: Int = 8) {
        self.batchSize = batchSize
        thread = HandOffThread(
            name: "xmppscope-records", waterMarks: WaterMarks(high: queuedBatches, low: queuedBatches / 2), batchSize: 1,
            dropsSpentOnProducer: true,
            consumer: RecordThreadConsumer(options: options, output: output)
        )
        batch.reserveCapacity(batchSize)
    }

    /// Adds `event` to the batch; hands the batch over once it is full.
    func append(_ event: consuming FramingEvent) {
        batch.append(event)
        if batch.count >= batchSize { handOver() }
    }

    /// Hands over the events added so far without waiting for a full batch.
    func handOver() {
        guard !batch.isEmpty else { return }
        var full: [FramingEvent] = []
        full.reserveCapacity(batchSize)
        swap(&full, &batch)
        thread.pushBlocking([.events(full)])
    }

    /// Hands over what is left and the connections, and waits until the records thread has
    /// turned everything into records and finished the output.
    func close(connections: [ConnectionDescription]) {
        handOver()
        thread.pushBlocking([.end(connections)])
        thread.close()
    }
}
