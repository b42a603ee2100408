public import XMPPBase

/// How many of something went each way on a connection.
public struct DirectionCounts: Hashable, Sendable {
    /// Sent by the side that opened the connection.
    public var c2s = 0
    /// Sent by the side that accepted it.
    public var s2c = 0

    /// Counts to start from (none by default).
    public init(c2s: Int = 0, s2c: Int = 0) {
        self.c2s = c2s
        self.s2c = s2c
    }

    /// Both ways together.
    public var total: Int { c2s + s2c }

    /// Counts one more in `direction`.
    public mutating func add(_ direction: Direction) {
        if direction == .c2s { c2s += 1 } else { s2c += 1 }
    }

    /// Adds `other`'s counts, each way.
    public mutating func add(_ other: DirectionCounts) {
        c2s += other.c2s
        s2c += other.s2c
    }
}
