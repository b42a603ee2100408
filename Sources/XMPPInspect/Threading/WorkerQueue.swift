import Foundation

/// Hands items to a thread of its own, in order and in batches, so a second stage runs beside
/// the first on another core. The queue is bounded: a slow consumer slows the producer instead of
/// growing memory.
///
/// `process` and `finish` run only on the worker thread, which is what makes sharing them safe.
final class WorkerQueue<Item: Sendable>: @unchecked Sendable {
    private let batchSize: Int
    private let maxQueuedBatches: Int
    private let process: ([Item]) -> Void
    private let finishWork: () -> Void
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var queue: [[Item]] = []
    private var closed = false
    private var workerDone = false
    // Producer side only:
    private var batch: [Item] = []

    init(name: String, batchSize: Int = 512, maxQueuedBatches: Int = 4,
         process: @escaping ([Item]) -> Void, finish: @escaping () -> Void) {
        self.batchSize = batchSize
        self.maxQueuedBatches = maxQueuedBatches
        self.process = process
        self.finishWork = finish
        batch.reserveCapacity(batchSize)
        let thread = Thread { [self] in drain() }
        thread.name = name
        thread.start()
    }

    func push(_ item: Item) {
        batch.append(item)
        if batch.count >= batchSize { handOver() }
    }

    /// Hands over what is left and waits until the worker has processed it and finished.
    func close() {
        handOver()
        condition.lock()
        closed = true
        condition.broadcast()
        while !workerDone { condition.wait() }
        condition.unlock()
    }

    /// Hands over the items pushed so far without waiting for a full batch (a live source that
    /// wants its records out now).
    func handOver() {
        guard !batch.isEmpty else { return }
        condition.lock()
        if closed {  // too late: the worker has finished; nothing more is processed
            condition.unlock()
            batch = []
            return
        }
        while queue.count >= maxQueuedBatches { condition.wait() }
        queue.append(batch)
        condition.broadcast()
        condition.unlock()
        batch = []
        batch.reserveCapacity(batchSize)
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
            process(next)
        }
        finishWork()
        condition.lock()
        workerDone = true
        condition.broadcast()
        condition.unlock()
    }
}
