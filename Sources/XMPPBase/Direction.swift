/// Which way bytes went on a connection.
public enum Direction: String, Sendable, Hashable, CaseIterable {
    /// Sent by the side that opened the TCP connection (the client, the initiating server).
    case c2s
    /// Sent by the side that accepted it.
    case s2c

    public var opposite: Direction { self == .c2s ? .s2c : .c2s }
}
