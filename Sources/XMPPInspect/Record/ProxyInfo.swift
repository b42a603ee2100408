/// What the proxy records about a connection: its addresses, each leg's TLS session, how it
/// ended, and the edits it made. Each lifecycle record fills the fields of its kind.
public struct ProxyInfo: Sendable, Hashable {
    /// connect: the client's address, the address it connected to, and the server's.
    public var client: String?
    public var listener: String?
    public var server: String?
    /// tls-established: the protocol version (`TLSv1.3`), the cipher suite, the certificate the
    /// peer of that leg was shown (client leg) or showed (server leg), the SNI and ALPN in effect.
    public var tlsVersion: String?
    public var cipher: String?
    public var certificateSubject: String?
    public var serverName: String?
    public var alpn: String?
    /// close: who closed first (`client`, `server`, `proxy`), why, and the bytes relayed each way.
    public var closedBy: String?
    public var reason: String?
    public var bytes: ByteCounts?
    /// proxy-note: what was done or what the user should know.
    public var notes: [String] = []

    /// Bytes relayed in each direction (application bytes, after TLS).
    public struct ByteCounts: Sendable, Hashable {
        public var c2s: Int
        public var s2c: Int
        public init(c2s: Int, s2c: Int) { self.c2s = c2s; self.s2c = s2c }
    }

    public init(client: String? = nil, listener: String? = nil, server: String? = nil, tlsVersion: String? = nil,
                cipher: String? = nil, certificateSubject: String? = nil, serverName: String? = nil,
                alpn: String? = nil, closedBy: String? = nil, reason: String? = nil, bytes: ByteCounts? = nil,
                notes: [String] = []) {
        self.client = client
        self.listener = listener
        self.server = server
        self.tlsVersion = tlsVersion
        self.cipher = cipher
        self.certificateSubject = certificateSubject
        self.serverName = serverName
        self.alpn = alpn
        self.closedBy = closedBy
        self.reason = reason
        self.bytes = bytes
        self.notes = notes
    }
}
