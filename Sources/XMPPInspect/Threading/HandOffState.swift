/// What the producers and the thread of a ``HandOffThread`` share behind its lock: the items
/// waiting, what they cost, the items the consumer is done with (when the producer lets go of
/// them), and where the hand-off is in its life. Plain state and the rules for changing it; the
/// thread, the lock and the callbacks are the hand-off's.
struct HandOffState<Item: Sendable, Outcome: Sendable> {
    enum Phase {
        /// Items are taken. `whenDrained`: producers to call back once what waits is down to
        /// the low-water mark.
        case open(whenDrained: [@Sendable () -> Void])
        /// Closed: nothing more is taken or called back; the thread works through what waits,
        /// then finishes.
        case closing
        /// Let go of unclosed (no producer is left): what waited was dropped, nothing more is
        /// taken or called back, and the thread ends without finishing its consumer.
        case abandoned
        /// The consumer finished, with this outcome.
        case finished(Outcome)
    }

    let waterMarks: WaterMarks
    private(set) var phase: Phase = .open(whenDrained: [])
    /// Pushed, not taken by the thread yet.
    private var items: [Item] = []
    /// What the waiting items cost, from their push until the consumer is done with them.
    private(set) var cost = 0
    /// Items the consumer is done with, kept for a producer to let go of (``HandOffThread``'s
    /// `dropsSpentOnProducer`), in the arrays the thread took them in; empty otherwise.
    private var spent: [[Item]] = []

    init(waterMarks: WaterMarks) {
        self.waterMarks = waterMarks
    }

    var isOpen: Bool {
        if case .open = phase { return true }
        return false
    }

    /// The consumer's outcome, once it finished.
    var outcome: Outcome? {
        if case .finished(let outcome) = phase { return outcome }
        return nil
    }

    // MARK: Producers

    /// Queues `item`, which costs `cost`. Returns false when that took the cost past the
    /// high-water mark. Once closed the item is dropped (and the answer is true).
    mutating func push(_ item: Item, cost: Int) -> Bool {
        guard isOpen else { return true }
        items.append(item)
        self.cost += cost
        return self.cost <= waterMarks.high
    }

    /// Queues `batch`, which costs `cost`, as ``push(_:cost:)`` does one item.
    mutating func push(contentsOf batch: [Item], cost: Int) -> Bool {
        guard isOpen else { return true }
        if items.isEmpty { items = batch } else { items.append(contentsOf: batch) }
        self.cost += cost
        return self.cost <= waterMarks.high
    }

    /// Moves the items the consumer is done with into `batches` (empty), for the producer to let
    /// go of.
    mutating func takeSpent(into batches: inout [[Item]]) {
        assert(batches.isEmpty, "spent items are taken into an empty array")
        guard !spent.isEmpty else { return }
        swap(&spent, &batches)
    }

    /// Whether a producer held back past the high-water mark may go on: the cost is down to
    /// the low-water mark, or nothing more is taken anyway.
    var mayPushAgain: Bool { cost <= waterMarks.low || !isOpen }

    /// Keeps `resume` to be called once the cost is down to the low-water mark. Returns true
    /// when it is already (call it now); once closed, `resume` is dropped and never called.
    mutating func whenDrained(_ resume: @escaping @Sendable () -> Void) -> Bool {
        guard case .open(var waiting) = phase else { return false }
        if cost <= waterMarks.low { return true }
        waiting.append(resume)
        phase = .open(whenDrained: waiting)
        return false
    }

    /// No more items are taken; the producers waiting to be called back never will be.
    mutating func close() {
        if isOpen { phase = .closing }
    }

    /// Nobody can push or close any more: drops what waits, and the thread ends after the batch
    /// in hand without finishing its consumer.
    mutating func abandon() {
        guard isOpen else { return }
        phase = .abandoned
        items.removeAll()
    }

    var isAbandoned: Bool {
        if case .abandoned = phase { return true }
        return false
    }

    // MARK: The thread

    /// Whether the thread has something to do: items to take, or, closed, finishing.
    var threadHasWork: Bool { !items.isEmpty || !isOpen }

    /// Moves every waiting item into `batch` (empty) for the thread; false when there are
    /// none left and the hand-off is closed: the thread finishes.
    mutating func take(into batch: inout [Item]) -> Bool {
        if items.isEmpty { return false }
        swap(&items, &batch)
        return true
    }

    /// The consumer is done with items costing `done`. Returns the producers to call back now,
    /// and whether producers held back (``mayPushAgain`` false) may go on now: this release took
    /// the cost down to the low-water mark, so they are to be woken (and not at any other release).
    mutating func release(_ done: Int) -> (resumes: [@Sendable () -> Void], producersMayGoOn: Bool) {
        let heldBack = !mayPushAgain
        cost -= done
        let producersMayGoOn = heldBack && mayPushAgain
        guard case .open(let waiting) = phase, !waiting.isEmpty, cost <= waterMarks.low else { return ([], producersMayGoOn) }
        phase = .open(whenDrained: [])
        return (waiting, producersMayGoOn)
    }

    /// The consumer is done with `batch`: keeps it whole for a producer to let go of (no item
    /// is copied or released here), and leaves `batch` empty.
    mutating func keepSpent(_ batch: inout [Item]) {
        var kept: [Item] = []
        swap(&kept, &batch)
        spent.append(kept)
    }

    /// The consumer finished.
    mutating func finish(with outcome: Outcome) {
        phase = .finished(outcome)
    }
}
