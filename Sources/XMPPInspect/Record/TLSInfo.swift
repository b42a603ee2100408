public import XMPPTransport

/// What a `tls` record says about a connection's TLS session (docs/log-format.md): the
/// handshake's facts, and why the session was not decrypted when it was not.
public struct TLSInfo: Sendable, Hashable {
    /// `TLSv1.3`, `TLSv1.2`.
    public var version: String?
    /// The IANA name of the cipher suite.
    public var suite: String?
    public var serverName: String?
    /// The protocol the server chose (`xmpp-client`).
    public var alpn: String?
    /// The server certificate (TLS 1.2 sends it in the clear; TLS 1.3 once decrypted).
    public var subject: String?
    public var issuer: String?
    public var notBefore: String?
    public var notAfter: String?
    public var resumed = false
    public var helloRetryRequest = false
    /// Why the session was not decrypted.
    public var reason: String?

    public init() {}

    public init(_ session: TLSSessionInfo) {
        version = session.version
        suite = session.cipherSuite
        serverName = session.serverName
        alpn = session.alpn
        subject = session.certificate?.subject
        issuer = session.certificate?.issuer
        notBefore = session.certificate?.notBefore
        notAfter = session.certificate?.notAfter
        resumed = session.resumed
        helloRetryRequest = session.helloRetryRequest
        reason = session.failure?.description
    }
}
