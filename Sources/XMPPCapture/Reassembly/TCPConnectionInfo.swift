public import XMPPBase
/// A TCP connection seen in a capture.
public struct TCPConnectionInfo: Sendable, Hashable {
    /// 0-based, in order of first packet: the same numbering as Wireshark's `tcp.stream` in most captures.
    public var id: Int
    /// The side that opened the connection (sent the SYN); guessed from the ports when the capture
    /// began after the handshake.
    public var client: Endpoint
    public var server: Endpoint
    /// Whether the handshake was seen, so `client` is known rather than guessed.
    public var sawHandshake: Bool
    public var firstPacket: Int
    public var openedAt: Timestamp

    public init(id: Int, client: Endpoint, server: Endpoint, sawHandshake: Bool, firstPacket: Int, openedAt: Timestamp) {
        self.id = id
        self.client = client
        self.server = server
        self.sawHandshake = sawHandshake
        self.firstPacket = firstPacket
        self.openedAt = openedAt
    }
}
