/// Where an XMPP session stands, as the proxy follows it.
public enum StreamPhase: Sendable, Hashable {
    /// Before TLS: stream headers and features in the clear.
    case plain
    /// The client sent `<starttls/>`; waiting for `<proceed/>`.
    case startTLSRequested
    /// `<proceed/>` seen: both legs switch to TLS (or, in passthrough mode, go opaque).
    case tls
    /// The client sent `<auth/>` with this mechanism.
    case authenticating(mechanism: String)
    /// `<success/>`: both sides restart their streams.
    case authenticated
    /// New stream headers after SASL.
    case restarted
    /// A resource is bound: the session is up.
    case bound(jid: String)
    /// The stream was closed or failed.
    case closed
}
