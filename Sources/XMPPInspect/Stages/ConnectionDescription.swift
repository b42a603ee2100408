/// What the inspector knows about a connection, for summaries.
public struct ConnectionDescription: Sendable {
    public var id: Int
    public var client: String
    public var server: String
    /// The stream's content namespace once a header was seen (`jabber:client`, …).
    public var streamNamespace: String?
    public var isXMPP: Bool
    public var closeReason: String?
    public var tlsStarted: Bool
    public var joinedMidStream: Bool
    /// Whether any payload byte was seen (refused or empty connections carry none).
    public var carriedPayload = false
    /// What carries its XMPP.
    public var transport: Transport = .tcp
    /// A BOSH session: the TCP connections that carried its HTTP requests, in order.
    public var httpConnections: [(id: Int, client: String)] = []
    /// A TCP connection that carried HTTP for a BOSH session shown as another connection.
    public var carriesBOSHSession: Int?

    /// The first number given to a BOSH session whose first TCP connection's number was taken
    /// (by another session still open); numbers from here on are no TCP connection's.
    public static let firstSessionOnlyID = 1 << 20

    /// Whether this describes a TCP connection (not a BOSH session numbered on its own).
    public var isTCPConnection: Bool { id < Self.firstSessionOnlyID }
}
