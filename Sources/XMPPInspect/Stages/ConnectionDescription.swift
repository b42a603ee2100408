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
}
