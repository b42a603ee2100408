/// How much the live view keeps and how far a browser may fall behind.
public struct LiveHistoryLimits: Sendable, Hashable {
    /// The history's bound in bytes of events; past it the oldest go.
    public var maxBytes: Int
    /// The history's bound in events.
    public var maxEvents: Int
    /// How many bytes of records that came after a browser connected may wait for it; past that
    /// it is disconnected (EventSource reconnects and resumes from the last id it saw).
    public var maxClientBacklogBytes: Int

    public init(maxBytes: Int = 256 << 20, maxEvents: Int = 1_000_000, maxClientBacklogBytes: Int = 16 << 20) {
        self.maxBytes = maxBytes
        self.maxEvents = maxEvents
        self.maxClientBacklogBytes = maxClientBacklogBytes
    }
}
