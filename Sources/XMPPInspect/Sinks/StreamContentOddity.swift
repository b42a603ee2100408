/// Why a stream header's content namespace stands out (``StreamContentWatch``).
enum StreamContentOddity: Equatable {
    /// No default namespace at all (RFC 6120 §4.8.2 asks for one).
    case missing
    /// A namespace outside jabber:client, jabber:server and the component ones.
    case unexpected(String)
    /// A usual namespace, but not the one the other side's header declared.
    case differs(String, other: String)
}
