/// iq requests of one connection still waiting for their response, by direction and id; each
/// check that needs them keeps its own. Bounded: past ``IQExchange/capacity`` it starts afresh.
struct IQOpenRequests {
    /// One waiting request.
    struct Request {
        var seq: Int
        /// Who picked the id (``IQExchange/originator(_:in:)``).
        var originator: String
        var type: String
    }

    private var open: [IQExchange.Key: [Request]] = [:]
    private var count = 0

    /// A request was sent.
    mutating func add(_ key: IQExchange.Key, _ request: Request) {
        if count >= IQExchange.capacity {
            open.removeAll()
            count = 0
        }
        open[key, default: []].append(request)
        count += 1
    }

    /// The oldest waiting request under `key` from `originator`.
    func waiting(_ key: IQExchange.Key, from originator: String) -> Request? {
        open[key]?.first { $0.originator == originator }
    }

    /// Whether any request waits under `key`.
    func isWaiting(_ key: IQExchange.Key) -> Bool { open[key] != nil }

    /// The request with this seq is done (answered, or reported unanswered).
    mutating func remove(_ key: IQExchange.Key, seq: Int) {
        // Changed where it is stored: one lookup, and the list is not copied to change it.
        guard let slot = open.index(forKey: key), let index = open.values[slot].firstIndex(where: { $0.seq == seq }) else { return }
        if open.values[slot].count == 1 {
            open.remove(at: slot)
        } else {
            open.values[slot].remove(at: index)
        }
        count -= 1
    }

    /// The oldest request under `key` is done (a response with its id but not its addresses).
    mutating func removeOldest(_ key: IQExchange.Key) {
        guard let first = open[key]?.first else { return }
        remove(key, seq: first.seq)
    }
}
