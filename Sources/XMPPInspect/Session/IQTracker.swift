import XMPPCore
import XMPPBase
/// Pairs each iq request (get/set) with its response (result/error) on one connection.
///
/// A response pairs with the oldest open request that has the same id, went the other way, and is
/// addressed back to the requester (where both sides name the JIDs). An id reused after its answer
/// is a new request: a request leaves the tracker when answered.
public struct IQTracker {
    private struct Key: Hashable {
        var direction: Direction
        var id: String
    }

    private var open: [Key: [Record]] = [:]
    public private(set) var openCount = 0
    /// Requests kept open at most; past this the oldest are reported unanswered early.
    public let capacity: Int
    private var order: [Key] = []

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
        order.append(key)
        openCount += 1
        var evicted: [Record] = []
        while openCount > capacity, !order.isEmpty {
            let oldest = order.removeFirst()
            if var list = open[oldest], !list.isEmpty {
                evicted.append(list.removeFirst())
                open[oldest] = list.isEmpty ? nil : list
                openCount -= 1
            }
        }
        return evicted
    }

    /// The request `response` answers, removed from the open set; nil when none matches.
    public mutating func response(_ response: Record) -> Record? {
        let key = Key(direction: pairsWithinDirection ? response.direction : response.direction.opposite, id: response.id ?? "")
        guard var list = open[key] else { return nil }
        guard let index = list.firstIndex(where: { IQTracker.addressesMatch(request: $0, response: response) }) else {
            return nil
        }
        let request = list.remove(at: index)
        open[key] = list.isEmpty ? nil : list
        openCount -= 1
        if let position = order.firstIndex(of: key) { order.remove(at: position) }
        return request
    }

    /// Every request still open, oldest first; the tracker is empty afterwards.
    public mutating func drain() -> [Record] {
        let all = open.values.flatMap { $0 }.sorted { $0.seq < $1.seq }
        open.removeAll()
        order.removeAll()
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
