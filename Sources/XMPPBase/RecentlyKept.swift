/// A few values kept because they were used lately: up to a capacity, after which each new
/// one replaces the oldest kept. For small caches searched linearly (a handful of entries cost
/// less to scan than to hash), whose memory must stay flat however long the input.
public struct RecentlyKept<Value> {
    /// The values, in no particular order.
    @inlinable public var values: [Value] { kept }
    /// How many are kept at most.
    public let capacity: Int
    @usableFromInline var kept: [Value] = []
    /// Where the next value goes once full: the oldest.
    @usableFromInline var next = 0

    @inlinable
    public init(capacity: Int) {
        precondition(capacity > 0, "RecentlyKept needs room for one value")
        self.capacity = capacity
    }

    /// Keeps `value`, in place of the oldest one once full.
    @inlinable
    public mutating func keep(_ value: Value) {
        if kept.count < capacity {
            kept.append(value)
        } else {
            kept[next] = value
            next = (next + 1) % capacity
        }
    }

    /// Forgets every value.
    @inlinable
    public mutating func removeAll() {
        kept.removeAll(keepingCapacity: true)
        next = 0
    }
}

extension RecentlyKept: Sendable where Value: Sendable {}
