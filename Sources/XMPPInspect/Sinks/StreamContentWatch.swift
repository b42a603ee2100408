import XMPPBase

/// Decides whether a stream header's content namespace (its default `xmlns`) is worth a line in
/// the pretty output. The usual ones say nothing: `jabber:client`, `jabber:server` and the two
/// component namespaces (XEP-0114), the same on both sides of the connection. Unusual, and
/// shown: a header with no content namespace, one outside those four, or one that differs from
/// the other side's latest header on the same connection (a client speaking `jabber:client` to
/// a server that answers `jabber:server`).
struct StreamContentWatch {
    /// The content namespace of each direction's latest header, per connection (nil: none declared).
    private var latest: [Int: [Direction: String?]] = [:]

    /// Takes a stream header in and says whether its content namespace is unusual.
    /// `namespaces` is the record's list: the content namespace first, then the header's own.
    mutating func examine(connection: Int, direction: Direction, namespaces: [String]) -> StreamContentOddity? {
        let content = Self.contentNamespace(namespaces)
        latest[connection, default: [:]][direction] = .some(content)
        guard let content else { return .missing }
        guard XMPPNamespace.isStanzaContent(content) else { return .unexpected(content) }
        if let other = latest[connection]?[direction.opposite], let other, other != content {
            return .differs(content, other: other)
        }
        return nil
    }

    /// Forgets a connection that ended.
    mutating func forget(connection: Int) {
        latest[connection] = nil
    }

    /// The content namespace among a stream header record's namespaces: the first, unless it is
    /// the header's own (then the header declared none).
    static func contentNamespace(_ namespaces: [String]) -> String? {
        if namespaces.count >= 2 { return namespaces[0] }
        guard let only = namespaces.first, only != XMPPNamespace.streams,
              only != XMPPNamespace.framing, only != XMPPNamespace.httpBind else { return nil }
        return only
    }
}
