import Foundation

/// Hands items, in order, to a thread of its own that runs a ``HandOffConsumer``, so a second
/// stage runs beside the first on another core.
///
/// What waits is bounded by its cost (``HandOffConsumer/cost(of:)``) and ``WaterMarks``: an
/// item costs from its push until the consumer is done with it. Past the high-water mark a
/// producer is held back until the consumer brought the cost down to the low-water mark —
/// ``pushBlocking(_:)`` waits for that; ``push(_:)`` never waits (an event loop must not) but
/// says so, and ``whenDrained(_:)`` calls back. So a slow consumer slows its producers instead
/// of growing memory.
///
/// The thread takes everything waiting at once and gives it to the consumer `batchSize` items
/// at a time, releasing each batch's cost as soon as the consumer is done with it.
/// ``close()`` lets the thread work through what waits, finish, and returns its outcome. A
/// hand-off let go of unclosed (no producer is left) is abandoned: what waits is dropped and the
/// thread ends after the batch in hand, without finishing its consumer, instead of waiting for ever.
///
/// With `dropsSpentOnProducer`, the items the consumer is done with go back, and the producer
/// lets go of them at its next push instead of the thread (what is left at ``close()``, on the
/// thread that closes). For a single producer that allocated what its items hold: glibc's `free`
/// of a block too large for the freeing thread's cache, or past it, takes the lock of the arena
/// the block came from, which is the producer's, so freeing on the thread contends with every
/// allocation the producer makes, and each wait is a sleep on a futex for both. Once abandoned,
/// whatever lets go of the hand-off last lets go of them.
public final class HandOffThread<Consumer: HandOffConsumer>: Sendable {
    public typealias Item = Consumer.Item
    private let shared: ConditionBox<HandOffState<Item, Consumer.Outcome>>

    /// Starts a thread named `name` that owns `consumer` from now on. `dropsSpentOnProducer`:
    /// the items the consumer is done with are let go of on the producer's thread, at its next
    /// push, instead of on this thread (for items that own memory the producer allocated; until
    /// the producer pushes again or closes, they stay in memory).
    public init(name: String, waterMarks: WaterMarks, batchSize: Int = .max, dropsSpentOnProducer: Bool = false,
                consumer: consuming sending Consumer) {
        precondition(batchSize > 0, "a batch holds at least one item")
        let shared = ConditionBox(HandOffState<Item, Consumer.Outcome>(waterMarks: waterMarks))
        self.shared = shared
        let handedOver = ConditionBox(Optional(consumer))
        let thread = Thread {
            guard var consumer = handedOver.withLock({ $0.take() }) else { return }
            Self.run(&consumer, shared: shared, batchSize: batchSize, dropsSpentOnProducer: dropsSpentOnProducer)
        }
        thread.name = name
        thread.start()
    }

    deinit {
        // Nobody can push or close any more: let the thread end. Not waiting for it, so this may
        // run anywhere, on the thread itself too (a producer let go of in a ``whenDrained(_:)`` call).
        shared.withLock { $0.abandon() }
    }

    // MARK: Producers

    /// Hands `item` over without waiting. Returns false when what waits is past the high-water
    /// mark: hold back (``whenDrained(_:)`` says when to go on). Once closed, `item` is dropped.
    @discardableResult
    public func push(_ item: Item) -> Bool {
        let cost = Consumer.cost(of: item)
        var spent: [[Item]] = []  // let go of when this returns: here, outside the lock
        return shared.withLock { state in
            state.takeSpent(into: &spent)
            return state.push(item, cost: cost)
        }
    }

    /// Hands `batch` over; when that takes what waits past the high-water mark, waits until the
    /// consumer has brought it down to the low-water mark. Once closed, `batch` is dropped.
    public func pushBlocking(_ batch: [Item]) {
        var cost = 0
        for item in batch { cost += Consumer.cost(of: item) }
        var spent: [[Item]] = []  // let go of when this returns: here, outside the lock
        let belowHighWater = shared.withLock { state in
            state.takeSpent(into: &spent)
            return state.push(contentsOf: batch, cost: cost)
        }
        guard !belowHighWater else { return }
        spent = []  // before waiting
        shared.withLock(waitingUntil: { $0.mayPushAgain }) { state in
            state.takeSpent(into: &spent)
        }
    }

    /// Calls `resume` (on the thread) once what waits is down to the low-water mark; at once, on
    /// this thread, if it is already. Never once closed: the producer may be gone by then.
    public func whenDrained(_ resume: @escaping @Sendable () -> Void) {
        if shared.withLock({ $0.whenDrained(resume) }) { resume() }
    }

    /// What the items waiting cost, those the consumer is working through included.
    public var queuedCost: Int { shared.withLock { $0.cost } }

    /// Lets the thread work through what waits and finish; returns the consumer's outcome once
    /// it has. Nothing pushed from now on is taken, and no producer is called back. Call it
    /// from any thread but the hand-off's own; a second call returns the same outcome.
    @discardableResult
    public func close() -> Consumer.Outcome {
        shared.withLock { $0.close() }
        var spent: [[Item]] = []  // let go of when this returns: here, outside the lock
        return shared.withLock(waitingUntil: { $0.outcome != nil }) { state in
            state.takeSpent(into: &spent)
            return state.outcome!
        }
    }

    // MARK: The thread

    private static func run(
        _ consumer: inout Consumer, shared: ConditionBox<HandOffState<Item, Consumer.Outcome>>, batchSize: Int,
        dropsSpentOnProducer: Bool
    ) {
        var items: [Item] = []
        // Taking items changes nothing a waiting producer (the cost) or closer (the outcome)
        // waits for: no one is woken for it.
        while shared.withLock(wakingWaiters: false, waitingUntil: { $0.threadHasWork }, { $0.take(into: &items) }) {
            var start = items.startIndex
            while start < items.endIndex {
                let end = items.endIndex - start > batchSize ? start + batchSize : items.endIndex
                var done = 0
                for index in start..<end { done += Consumer.cost(of: items[index]) }
                consumer.consume(items[start..<end])
                start = end
                // After the last batch (its slice gone, so `items` holds the only references the
                // thread has), the items go back in the same locked call that releases its cost.
                let keepsSpent = dropsSpentOnProducer && start == items.endIndex
                // A producer held back is woken when a release takes the cost down to the
                // low-water mark, not at every release on the way (a broadcast each, and a
                // producer woken to wait again).
                let (resumes, producersMayGoOn) = shared.withLock(wakingWaiters: false) { state in
                    if keepsSpent { state.keepSpent(&items) }
                    return state.release(done)
                }
                if producersMayGoOn { shared.wakeWaiters() }
                for resume in resumes { resume() }
            }
            items.removeAll(keepingCapacity: true)
        }
        // Abandoned: nobody waits for an outcome, and the consumer's work was not ended.
        guard !shared.withLock({ $0.isAbandoned }) else { return }
        let outcome = consumer.finish()
        shared.withLock { $0.finish(with: outcome) }
    }
}
