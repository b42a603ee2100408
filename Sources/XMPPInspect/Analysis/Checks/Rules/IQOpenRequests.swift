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

    /// The requests waiting under one key, oldest first. Nearly every key has one, kept in
    /// place: a request added and answered allocates no list of its own.
    private struct Waiting {
        /// Nil only in a slot just made, before its first request goes in.
        var oldest: Request?
        /// The later ones, in the order they were sent (empty: no allocation).
        var later: [Request] = []

        /// Adds `request`; returns the oldest already waiting from its originator.
        mutating func append(_ request: Request) -> Request? {
            guard oldest != nil else {
                oldest = request
                return nil
            }
            let earlier = first(from: request.originator)
            later.append(request)
            return earlier
        }

        /// What ``remove(seq:)`` did: found no such request, removed it, or found it the only one.
        enum Removal { case absent, removed, emptied }

        /// Removes the request with this seq; `.emptied` when it was the only one, which is left
        /// in place for the caller to drop the whole slot (a slot never stays without a request).
        mutating func remove(seq: Int) -> Removal {
            if oldest?.seq == seq {
                guard !later.isEmpty else { return .emptied }
                oldest = later.removeFirst()
                return .removed
            }
            guard let index = later.firstIndex(where: { $0.seq == seq }) else { return .absent }
            later.remove(at: index)
            return .removed
        }

        /// The oldest with this originator.
        func first(from originator: String) -> Request? {
            if let oldest, oldest.originator == originator { return oldest }
            return later.first { $0.originator == originator }
        }
    }

    private var open: [IQExchange.Key: Waiting] = [:]
    private var count = 0

    /// A request was sent. Returns the oldest request from its originator that was already
    /// waiting under `key` (found in the same lookup that adds it).
    @discardableResult
    mutating func add(_ key: IQExchange.Key, _ request: Request) -> Request? {
        if count >= IQExchange.capacity {
            let earlier = waiting(key, from: request.originator)
            open.removeAll()
            open[key] = Waiting(oldest: request)
            count = 1
            return earlier
        }
        count += 1
        // One lookup: a new slot is made for it, or it joins the slot where it is stored.
        return open[key, default: Waiting()].append(request)
    }

    /// The oldest waiting request under `key` from `originator`.
    func waiting(_ key: IQExchange.Key, from originator: String) -> Request? {
        open[key]?.first(from: originator)
    }

    /// Whether any request waits under `key`.
    func isWaiting(_ key: IQExchange.Key) -> Bool { open[key] != nil }

    /// The request with this seq is done (answered, or reported unanswered).
    mutating func remove(_ key: IQExchange.Key, seq: Int) {
        // Changed where it is stored: one lookup, and nothing is copied to change it.
        guard let slot = open.index(forKey: key) else { return }
        switch open.values[slot].remove(seq: seq) {
        case .absent: return
        case .removed: break
        case .emptied: open.remove(at: slot)
        }
        count -= 1
    }

    /// The oldest request under `key` is done (a response with its id but not its addresses).
    mutating func removeOldest(_ key: IQExchange.Key) {
        guard let oldest = open[key]?.oldest else { return }
        remove(key, seq: oldest.seq)
    }
}
