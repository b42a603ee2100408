import XMPPBase

/// How stream management findings name the two sides and their counts.
enum StreamManagementSide {
    /// "the client" / "the server" on a client stream, the initiating and receiving side otherwise.
    static func name(_ direction: Direction, in session: CheckSession) -> String {
        if session.isClientStream || session.streamNamespace == nil {
            return direction == .c2s ? "the client" : "the server"
        }
        return direction == .c2s ? "the initiating side" : "the receiving side"
    }

    /// "1 stanza", "3 stanzas".
    static func stanzas(_ count: UInt32) -> String {
        count == 1 ? "1 stanza" : "\(count) stanzas"
    }
}
