public import XMPPInspect

/// What a web proxy does: where it listens, with or without TLS towards the client, and the
/// one web endpoint it forwards every request to.
public struct WebProxyConfiguration: Sendable {
    public var listenHost: String
    public var listenPort: Int
    /// The endpoint (`wss://example.org/xmpp-websocket`); its scheme says the transport.
    public var upstream: WebUpstreamURL
    /// Serve TLS towards the client (wss://, https://) with a certificate from `authority`.
    public var listensTLS: Bool
    public var authority: CertificateAuthority?
    /// The name on the certificate for a client that sends no SNI (default: the upstream host,
    /// or `localhost` when it is an address).
    public var serverName: String?
    /// How the server's certificate is checked (wss://, https://).
    public var upstreamTrust: ProxyServer.UpstreamTrust
    /// Where the TLS secrets of both legs are written (`SSLKEYLOGFILE`), if anywhere.
    public var keyLog: KeyLog?
    public var inspector: InspectorOptions
    /// The largest HTTP body taken from either side (BOSH bodies are small; a larger one gets
    /// 413 from the client side, 502 from the server side).
    public var maxBodySize: Int
    /// The largest WebSocket frame relayed; a larger one closes the session with 1009.
    public var maxFrameSize: Int

    public var transport: WebTransport { upstream.transport }

    public init(listenHost: String = "127.0.0.1", listenPort: Int, upstream: WebUpstreamURL, listensTLS: Bool = false,
                authority: CertificateAuthority? = nil, serverName: String? = nil,
                upstreamTrust: ProxyServer.UpstreamTrust = .system, keyLog: KeyLog? = nil,
                inspector: InspectorOptions = InspectorOptions(), maxBodySize: Int = 4 << 20, maxFrameSize: Int = 4 << 20) {
        precondition(!listensTLS || authority != nil, "serving TLS needs the CA")
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.upstream = upstream
        self.listensTLS = listensTLS
        self.authority = authority
        self.serverName = serverName
        self.upstreamTrust = upstreamTrust
        self.keyLog = keyLog
        self.inspector = inspector
        self.maxBodySize = maxBodySize
        self.maxFrameSize = maxFrameSize
    }

    /// The certificate's name for clients that send no SNI.
    var defaultDomain: String {
        serverName ?? (upstream.hostIsAddress ? "localhost" : upstream.host)
    }
}
