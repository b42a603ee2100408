import Foundation

/// Hands records to another sink on a thread of its own, in order and in batches, so encoding
/// and writing run beside framing on a second core. The queue is bounded: a slow writer slows the
/// producer instead of growing memory.
public final class ThreadedRecordSink: RecordSink, @unchecked Sendable {
    /// Records per hand-over, and hand-overs that may wait.
    private static let batchSize = 512
    private static let maxQueuedBatches = 16

    private let target: any RecordSink
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var queue: [[Record]] = []
    private var closed = false
    private var workerDone = false
    // Producer side only:
    private var batch: [Record] = []

    /// Starts the writer thread; `target` is used only from it from now on.
    public init(_ target: any RecordSink) {
        self.target = target
        batch.reserveCapacity(Self.batchSize)
        let thread = Thread { [self] in drain() }
        thread.name = "xmppscope-writer"
        thread.start()
    }

    public func consume(_ record: Record) {
        batch.append(record)
        if batch.count >= Self.batchSize { handOver() }
    }

    /// Hands over what is left, waits until the writer has written it, and finishes the target.
    public func finish() {
        handOver()
        condition.lock()
        closed = true
        condition.broadcast()
        while !workerDone { condition.wait() }
        condition.unlock()
    }

    private func handOver() {
        guard !batch.isEmpty else { return }
        condition.lock()
        while queue.count >= Self.maxQueuedBatches { condition.wait() }
        queue.append(batch)
        condition.broadcast()
        condition.unlock()
        batch = []
        batch.reserveCapacity(Self.batchSize)
    }

    private func drain() {
        while true {
            condition.lock()
            while queue.isEmpty && !closed { condition.wait() }
            if queue.isEmpty && closed {
                condition.unlock()
                break
            }
            let next = queue.removeFirst()
            condition.broadcast()
            condition.unlock()
            for record in next { target.consume(record) }
        }
        target.finish()
        condition.lock()
        workerDone = true
        condition.broadcast()
        condition.unlock()
    }
}
