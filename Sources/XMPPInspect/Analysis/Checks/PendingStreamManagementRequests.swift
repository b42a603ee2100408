/// The `<r/>`s one side sent that no `<a/>` has answered yet. The first ``capacity`` are listed,
/// in order; past that only how many more there are and the newest is kept, so a peer that floods
/// `<r/>`s without ever being answered costs a bounded amount of memory.
public struct PendingStreamManagementRequests: Sendable {
    /// One `<r/>`: its seq, and how many stanzas had been sent its way before it (the answer must
    /// acknowledge at least those).
    public struct Request: Sendable, Equatable {
        public var seq: Int
        public var sentBefore: UInt32
    }

    /// How many requests are listed at most.
    public static let capacity = 1_000

    /// The oldest pending requests, in order: all of them, up to ``capacity``.
    public private(set) var listed: [Request] = []
    /// How many more there are after `listed` (their seqs lie after the last listed one, up to
    /// `newest`'s).
    public private(set) var unlisted = 0
    /// The newest pending request.
    public private(set) var newest: Request?

    public init() {}

    /// Whether none is pending.
    public var isEmpty: Bool { newest == nil }
    /// How many are pending, listed or not.
    public var count: Int { listed.count + unlisted }

    /// A request was sent.
    mutating func append(_ request: Request) {
        if listed.count < Self.capacity { listed.append(request) } else { unlisted += 1 }
        newest = request
    }
}
