import XMPPBase

/// Per direction of a connection, the latest capture time of the bytes handed on: an element is
/// complete only when its last byte is in, and a held out-of-order segment may have been
/// captured earlier, so what a direction says is stamped with this time, never an earlier one.
struct StreamClocks {
    private var c2s = Timestamp(microseconds: .min)
    private var s2c = Timestamp(microseconds: .min)

    /// Moves `direction`'s clock on to `time` (never back) and returns it.
    mutating func advance(_ direction: Direction, to time: Timestamp) -> Timestamp {
        if direction == .c2s {
            c2s = max(c2s, time)
            return c2s
        }
        s2c = max(s2c, time)
        return s2c
    }
}
