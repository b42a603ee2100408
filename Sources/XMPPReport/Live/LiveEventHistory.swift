import NIOCore

/// Every event so far, bounded: ids are consecutive from `firstID`; when the bytes or the count
/// pass the limits, the oldest go. Lives on the server's event loop.
struct LiveEventHistory {
    private var frames = CircularBuffer<ByteBuffer>()
    /// For each event kept, the bytes of all events through it since the start (for backlogs).
    private var runningTotals = CircularBuffer<Int>()
    /// The oldest event kept (or the next to come when none is kept).
    private(set) var firstID = 1
    /// The bytes of the events kept.
    private(set) var bytes = 0
    /// The bytes of every event ever appended.
    private(set) var appendedBytes = 0
    let limits: LiveHistoryLimits

    init(limits: LiveHistoryLimits) { self.limits = limits }

    /// The id the next event will have.
    var nextID: Int { firstID + frames.count }
    /// How many of the oldest events have gone.
    var droppedCount: Int { firstID - 1 }

    /// Appends a batch (its ids must follow on), then drops the oldest events past the limits.
    mutating func append(_ batch: LiveEventBatch, allocator: ByteBufferAllocator) {
        precondition(batch.firstID == nextID, "live events out of order")
        let buffer = allocator.buffer(bytes: batch.frames)
        var start = 0
        for end in batch.ends {
            frames.append(buffer.getSlice(at: start, length: end - start)!)
            bytes += end - start
            appendedBytes += end - start
            runningTotals.append(appendedBytes)
            start = end
        }
        while !frames.isEmpty && (bytes > limits.maxBytes || frames.count > limits.maxEvents) {
            bytes -= frames.removeFirst().readableBytes
            runningTotals.removeFirst()
            firstID += 1
        }
    }

    /// The event with this id, if it is still kept.
    func frame(_ id: Int) -> ByteBuffer? {
        guard id >= firstID && id < nextID else { return nil }
        return frames[frames.index(frames.startIndex, offsetBy: id - firstID)]
    }

    /// The bytes of the events after `id` (0 when `id` is the newest); nil when those after `id`
    /// are no longer all kept.
    func bytes(after id: Int) -> Int? {
        if id >= nextID - 1 { return 0 }
        if id == firstID - 1 { return bytes }
        guard id >= firstID else { return nil }
        return appendedBytes - runningTotals[runningTotals.index(runningTotals.startIndex, offsetBy: id - firstID)]
    }
}
