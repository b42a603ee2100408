/// An address and port.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    public var description: String {
        if case .v6 = address { return "[\(address)]:\(port)" }
        return "\(address):\(port)"
    }

    /// Feeds the address and port to `hasher` in as few words as they fit (equal endpoints feed
    /// equal words): one for IPv4, two for IPv6.
    func combineCompactly(into hasher: inout Hasher) {
        switch address {
        case .v4(let value):
            hasher.combine(UInt64(value) << 16 | UInt64(port))
        case .v6(let high, let low):
            hasher.combine(high)
            hasher.combine(low ^ UInt64(port) << 48)
        }
    }
}
