public import XMPPBase

/// Where and when TLS began on a connection: the `<proceed/>` that ended the plaintext stream.
public struct TLSStart: Sendable, Hashable {
    /// The direction that sent `<proceed/>` (the server's, `s2c`, on a well-behaved connection).
    public var direction: Direction
    public var time: Timestamp
    /// Terminated in front of the inspector, so nothing stayed encrypted.
    public var intercepted: Bool

    public init(direction: Direction, time: Timestamp, intercepted: Bool = false) {
        self.direction = direction
        self.time = time
        self.intercepted = intercepted
    }
}
