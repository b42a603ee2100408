import XMPPBase

/// What the iq and error checks share: how to key a request, when requests and their responses
/// travel on one connection, how to name a side and compare addresses.
enum IQExchange {
    /// Maps kept per connection hold at most this many entries (they are emptied past it). Open
    /// requests rarely number more than a few dozen; an answer repeated, or an error replied to,
    /// more than a thousand stanzas later goes unseen, and memory stays flat on long captures.
    static let capacity = 1_000

    /// A stanza id as sent one way on a connection.
    struct Key: Hashable {
        var direction: Direction
        var id: String
    }

    /// Whether both sides send requests and responses on this one connection: a client or an
    /// accepted component stream. Server-to-server streams carry stanzas one way; the answers come
    /// back on another connection.
    static func isTwoWay(_ session: CheckSession) -> Bool {
        session.streamNamespace == XMPPNamespace.client || session.streamNamespace == XMPPNamespace.componentAccept
    }

    /// The entity that picked a request's id: on a client stream, whatever the client sends is
    /// the client's own (with or without `from`); otherwise the `from` address.
    static func originator(_ record: CheckedRecord, in session: CheckSession) -> String {
        if record.direction == .c2s && session.isClientStream { return "" }
        return record.from ?? ""
    }

    /// How findings name the side that sent in `direction`.
    static func side(_ direction: Direction, in session: CheckSession) -> String {
        switch (direction, session.streamNamespace) {
        case (.c2s, XMPPNamespace.client?): return "the client"
        case (.s2c, XMPPNamespace.client?), (.s2c, XMPPNamespace.componentAccept?): return "the server"
        case (.c2s, XMPPNamespace.componentAccept?): return "the component"
        case (.c2s, _): return "the initiating side"
        case (.s2c, _): return "the receiving side"
        }
    }

    /// Whether two addresses may name the same entity: equal bare JIDs (ignoring case), or one missing.
    static func sameEntity(_ a: String?, _ b: String?) -> Bool {
        guard let a, let b, !a.isEmpty, !b.isEmpty else { return true }
        if a == b { return true }
        return JID.bare(a).lowercased() == JID.bare(b).lowercased()
    }

    /// Whether `record` is an iq get or set with a usable id (not a follow-up).
    static func isRequest(_ record: CheckedRecord) -> Bool {
        record.isStanza && record.kind == "iq" && (record.type == "get" || record.type == "set") && !(record.id ?? "").isEmpty
    }

    /// Whether `record` is an iq result or error with a usable id (not a follow-up).
    static func isResponse(_ record: CheckedRecord) -> Bool {
        record.isStanza && record.kind == "iq" && (record.type == "result" || record.type == "error") && !(record.id ?? "").isEmpty
    }
}
