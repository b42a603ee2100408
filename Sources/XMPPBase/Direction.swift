/// Which way bytes went on a connection.
public enum Direction: String, Sendable, Hashable, CaseIterable {
    /// Sent by the side that opened the TCP connection (the client, the initiating server).
    case c2s
    /// Sent by the side that accepted it.
    case s2c

    public var opposite: Direction { self == .c2s ? .s2c : .c2s }

    /// Hashes one bit. The standard library's default for a `String`-backed enum hashes the raw
    /// string, and directions key dictionaries looked up for every stanza.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(self == .c2s)
    }
}
