public import XMPPInspect

/// Sends records to a ``LiveViewServer``. Runs where the records are made (the records thread):
/// each record is encoded once, into the batch in progress; `flush()` (at the end of each batch
/// of the record thread) and `finish()` hand the batch to the server's event loop in one hop. The
/// records thread never waits for the server: the loop takes the batch when it can.
public final class LiveViewSink: RecordSink {
    private let server: LiveViewServer
    private var frames: [UInt8] = []
    private var ends: [Int] = []
    private var nextID = 1
    /// A batch this large goes out even before `flush()`.
    private let flushBytes: Int

    public init(server: LiveViewServer, flushBytes: Int = 1 << 20) {
        self.server = server
        self.flushBytes = flushBytes
    }

    /// Event ids are the records' places in this stream (1, 2, 3…), not their `seq`: a finding
    /// repeats the seq of the record that triggered it, and a resume must not skip it.
    public func consume(_ record: Record) {
        ServerSentEvent.appendRecord(record, id: nextID + ends.count, to: &frames)
        ends.append(frames.count)
        if frames.count >= flushBytes { flush() }
    }

    /// Hands what is pending to the server.
    public func flush() {
        guard !ends.isEmpty else { return }
        let batch = LiveEventBatch(firstID: nextID, frames: frames, ends: ends)
        nextID += ends.count
        frames = []
        ends = []
        server.publish(batch)
    }

    public func finish() {
        flush()
    }
}
