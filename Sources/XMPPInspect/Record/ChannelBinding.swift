/// A SCRAM-*-PLUS login's channel binding, checked against the decrypted TLS session (`binding`
/// in the log): its type, whether the client's `c=` carries this session's data (nil when it
/// could not be computed), and why, in words.
public struct ChannelBinding: Sendable, Hashable {
    /// `tls-unique`, `tls-exporter`, `tls-server-end-point`.
    public var type: String
    public var matches: Bool?
    public var note: String?

    public init(type: String, matches: Bool?, note: String?) {
        self.type = type
        self.matches = matches
        self.note = note
    }
}
