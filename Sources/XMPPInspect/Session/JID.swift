/// JID helpers (RFC 7622 parts, without stringprep).
public enum JID {
    /// `user@domain` of `user@domain/resource`.
    public static func bare(_ jid: String) -> String {
        guard let slash = jid.firstIndex(of: "/") else { return jid }
        return String(jid[..<slash])
    }

    /// The domain part.
    public static func domain(_ jid: String) -> String {
        let bare = bare(jid)
        guard let at = bare.firstIndex(of: "@") else { return bare }
        return String(bare[bare.index(after: at)...])
    }

    /// The resource part, or nil.
    public static func resource(_ jid: String) -> String? {
        guard let slash = jid.firstIndex(of: "/") else { return nil }
        return String(jid[jid.index(after: slash)...])
    }
}
