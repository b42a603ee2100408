import XMPPBase
import XMPPCapture
import XMPPTransport

/// The reading side of an ``Inspector`` that frames on a thread of its own: records what the
/// reassembler says (``FramingCalls``) and hands it to the framing thread in batches, waiting
/// while that thread is too far behind. Used on the reading thread only.
final class FramingThreadFeeder {
    private let thread: HandOffThread<FramingThreadConsumer>
    private let batchCalls: Int
    private let batchBytes: Int
    private var batch: FramingCalls
    /// Every connection the framing stage saw, once ``finish(_:)`` returned.
    private(set) var connections: [ConnectionDescription]?

    /// Starts the framing thread, which owns `consumer` from now on. A batch is handed over once
    /// it holds `batchCalls` calls or `batchBytes` bytes; the reading thread waits once more than
    /// `queuedBatches` batches wait, and goes on once half as many do: held back, it then reads
    /// on in one stretch instead of a batch at a time (going on at one fewer left a core idle
    /// whenever it slept and the records thread had run out of events). Spent batches kept for
    /// it to free (``HandOffThread``'s `dropsSpentOnProducer`) are not counted.
    init(consumer: consuming sending FramingThreadConsumer, batchCalls: Int, batchBytes: Int, queuedBatches: Int) {
        precondition(batchCalls > 0 && batchBytes > 0 && queuedBatches > 0, "batches hold something, and one may wait")
        self.batchCalls = batchCalls
        self.batchBytes = batchBytes
        batch = FramingCalls(reservingCalls: batchCalls, bytes: batchBytes)
        thread = HandOffThread(
            name: "xmppscope-framing", waterMarks: WaterMarks(high: queuedBatches, low: queuedBatches / 2), batchSize: 1,
            dropsSpentOnProducer: true,
            consumer: consumer
        )
    }

    /// Records a call that carries no bytes.
    func append(_ call: FramingCalls.Call) {
        batch.append(call)
        if batch.count >= batchCalls { handOver() }
    }

    /// Records bytes received (copied: they are valid only during the reassembler's call).
    func appendReceived(_ bytes: UnsafeRawBufferPointer, connection: Int, direction: Direction, time: Timestamp) {
        makeRoom(for: bytes.count)
        batch.appendReceived(bytes, connection: connection, direction: direction, time: time)
        if batch.count >= batchCalls || batch.byteCount >= batchBytes { handOver() }
    }

    /// Records what the reading thread's TLS decoder said of `connection` (``ReadingFront``).
    func appendTLS(_ event: TLSEvent, connection: Int, time: Timestamp) {
        batch.appendTLS(event, connection: connection, time: time)
        if batch.count >= batchCalls || batch.byteCount >= batchBytes { handOver() }
    }

    /// Records what the reading thread's web decoder said of `connection` (``ReadingFront``).
    func appendWeb(_ event: WebEvent, connection: Int, time: Timestamp) {
        batch.appendWeb(event, connection: connection, time: time)
        if batch.count >= batchCalls || batch.byteCount >= batchBytes { handOver() }
    }

    /// Records raw stream text (copied).
    func appendRaw(_ text: UnsafeRawBufferPointer, direction: Direction?, time: Timestamp) {
        makeRoom(for: text.count)
        batch.appendRaw(text, direction: direction, time: time)
        if batch.count >= batchCalls || batch.byteCount >= batchBytes { handOver() }
    }

    /// Hands the batch over first when `count` more bytes would take it past `batchBytes`, so a
    /// batch stays within the room reserved for it (one call larger than that gets a batch alone).
    private func makeRoom(for count: Int) {
        if batch.byteCount + count > batchBytes { handOver() }
    }

    /// Hands over the calls recorded so far.
    func handOver() {
        guard !batch.isEmpty else { return }
        var full = FramingCalls(reservingCalls: batchCalls, bytes: batchBytes)
        swap(&full, &batch)
        thread.pushBlocking([.calls(full)])
    }

    /// Hands over the calls recorded so far, and has the framing thread hand its events on to
    /// the records thread after them.
    func handOverAll() {
        handOver()
        thread.pushBlocking([.handOver])
    }

    /// Hands over what is left and `end` (``FramingThreadConsumer/Item/finishAll(_:)`` or
    /// ``FramingThreadConsumer/Item/finishRaw(_:)``), and waits until every record is out.
    func finish(_ end: FramingThreadConsumer.Item) {
        handOver()
        thread.pushBlocking([end])
        connections = thread.close()
    }
}
