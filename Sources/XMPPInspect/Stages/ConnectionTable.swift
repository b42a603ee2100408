/// Per-connection state by connection id: a dictionary with a direct-mapped front of
/// ``frontSize`` slots, indexed by the id's low bits, that holds each connection as it is added
/// when its slot is free. The lookup made for every chunk, event and record (the stages'
/// sessions, the checks' state per connection) is then one compare and a load, where the
/// dictionary hashes the id (SipHash) and probes. Ids are handed out in order, so the connections
/// open at one time seldom share a slot; one that does is found in the dictionary, as every
/// connection is. Memory: the front's fixed slots, and the dictionary.
struct ConnectionTable<Value: AnyObject> {
    /// Slots in the front (a power of two).
    static var frontSize: Int { 256 }
    private var all: [Int: Value] = [:]
    /// Each slot's id (`Int.min` when free) and its value, at the same index.
    private var frontIDs = [Int](repeating: .min, count: frontSize)
    private var frontValues = [Value?](repeating: nil, count: frontSize)

    /// The value for `id`, or nil; setting nil removes it.
    subscript(id: Int) -> Value? {
        get {
            let slot = id & (Self.frontSize - 1)
            if frontIDs[slot] == id, let value = frontValues[slot] { return value }
            return all[id]
        }
        set {
            guard let newValue else {
                removeValue(forKey: id)
                return
            }
            all[id] = newValue
            let slot = id & (Self.frontSize - 1)
            if frontIDs[slot] == id || frontIDs[slot] == .min {
                frontIDs[slot] = id
                frontValues[slot] = newValue
            }
        }
    }

    /// Removes the value for `id` and returns it, or nil when there was none.
    @discardableResult
    mutating func removeValue(forKey id: Int) -> Value? {
        let slot = id & (Self.frontSize - 1)
        if frontIDs[slot] == id {
            frontIDs[slot] = .min
            frontValues[slot] = nil
        }
        return all.removeValue(forKey: id)
    }

    /// Every id held, in no particular order.
    var keys: Dictionary<Int, Value>.Keys { all.keys }
}
