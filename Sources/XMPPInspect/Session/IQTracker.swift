import XMPPCore
import XMPPBase
/// Pairs each iq request (get/set) with its response (result/error) on one connection.
///
/// A response pairs with the oldest open request that has the same id, went the other way, and is
/// addressed back to the requester (where both sides name the JIDs). An id reused after its answer
/// is a new request: a request leaves the tracker when answered. Requests are told apart by
/// their seq, which must be unique (the record stage numbers every record).
public struct IQTracker {
    private struct Key: Hashable {
        var direction: Direction
        var id: String
    }

    private var open: [Key: [Record]] = [:]
    public private(set) var openCount = 0
    /// Requests kept open at most; past this the oldest are reported unanswered early.
    public let capacity: Int
    /// Every request remembered, oldest first from `orderStart`, answered ones included: an
    /// answer leaves its entry here (finding it would cost a scan of them all); eviction skips
    /// it, and the entries are compacted once most are answered.
    private var order: [(key: Key, seq: Int)] = []
    private var orderStart = 0

    /// Whether responses pair with requests sent the same way: for raw text, where both sides'
    /// stanzas arrive as one stream and the direction is unknown.
    public let pairsWithinDirection: Bool

    public init(capacity: Int = 10_000, pairsWithinDirection: Bool = false) {
        self.capacity = capacity
        self.pairsWithinDirection = pairsWithinDirection
    }

    /// Remembers a request. Returns requests evicted as unanswered because too many were open.
    public mutating func request(_ record: Record) -> [Record] {
        let key = Key(direction: record.direction, id: record.id ?? "")
        open[key, default: []].append(record)
        order.append((key, record.seq))
        openCount += 1
        var evicted: [Record] = []
        while openCount > capacity, orderStart < order.count {
            let oldest = order[orderStart]
            orderStart += 1
            if let request = remove(oldest.key, seq: oldest.seq) { evicted.append(request) }
        }
        compactOrder()
        return evicted
    }

    /// The request `response` answers, removed from the open set; nil when none matches.
    public mutating func response(_ response: Record) -> Record? {
        let key = Key(direction: pairsWithinDirection ? response.direction : response.direction.opposite, id: response.id ?? "")
        guard let slot = open.index(forKey: key),
              let index = open.values[slot].firstIndex(where: { IQTracker.addressesMatch(request: $0, response: response) }) else {
            return nil
        }
        return remove(at: index, in: slot)
    }

    /// The open request under `key` with this seq, removed; nil when it was answered.
    private mutating func remove(_ key: Key, seq: Int) -> Record? {
        guard let slot = open.index(forKey: key), let index = open.values[slot].firstIndex(where: { $0.seq == seq }) else {
            return nil
        }
        return remove(at: index, in: slot)
    }

    /// Removes request `index` of the list at `slot`, changing the list where it is stored; the
    /// request moves out of the list (no copy of its fields), and an emptied list goes.
    private mutating func remove(at index: Int, in slot: Dictionary<Key, [Record]>.Index) -> Record {
        openCount -= 1
        let request = open.values[slot].remove(at: index)
        if open.values[slot].isEmpty { open.remove(at: slot) }
        return request
    }

    /// Drops the entries already evicted, and those answered once they are most: after each
    /// request the order holds at most about twice as many entries as requests are open (and a
    /// few hundred). Linear in the entries, however many requests share an id.
    private mutating func compactOrder() {
        let entries = order.count - orderStart
        guard entries > 2 * openCount + 256 || orderStart > entries + 256 else { return }
        var openSeqs = Set<Int>(minimumCapacity: openCount)
        for list in open.values {
            for request in list { openSeqs.insert(request.seq) }
        }
        var kept: [(key: Key, seq: Int)] = []
        kept.reserveCapacity(openCount + 256)
        for entry in order[orderStart...] where openSeqs.contains(entry.seq) {
            kept.append(entry)
        }
        order = kept
        orderStart = 0
    }

    /// Entries the eviction order holds, answered ones included (tests: it stays bounded).
    var orderedEntryCount: Int { order.count - orderStart }

    /// Every request still open, oldest first; the tracker is empty afterwards.
    public mutating func drain() -> [Record] {
        let all = open.values.flatMap { $0 }.sorted { $0.seq < $1.seq }
        open.removeAll()
        order.removeAll()
        orderStart = 0
        openCount = 0
        return all
    }

    /// The response goes back to whoever asked, from whoever was asked, where both name a JID.
    /// A server may answer for a bare JID (`to='a@x'` answered `from='a@x'` or omitted), so
    /// a full JID matches its bare form.
    static func addressesMatch(request: Record, response: Record) -> Bool {
        func compatible(_ a: String?, _ b: String?) -> Bool {
            guard let a, let b, !a.isEmpty, !b.isEmpty else { return true }
            if a == b { return true }
            return JID.bare(a).lowercased() == JID.bare(b).lowercased()
        }
        return compatible(request.from, response.to) && compatible(request.to, response.from)
    }
}
