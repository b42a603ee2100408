/// What is known of a connection's TLS session once its handshake is over (or known not to be
/// decryptable): the `tls` record's facts.
public struct TLSSessionInfo: Sendable, Hashable {
    /// `TLSv1.3`, `TLSv1.2`.
    public var version: String?
    /// The IANA name of the suite.
    public var cipherSuite: String?
    /// The SNI the client sent.
    public var serverName: String?
    /// The protocol the server chose (`xmpp-client`), else nil.
    public var alpn: String?
    /// The protocols the client offered.
    public var offeredALPN: [String] = []
    public var certificate: TLSCertificateInfo?
    /// A resumed session (TLS 1.2 session id or ticket, TLS 1.3 PSK).
    public var resumed = false
    /// A HelloRetryRequest came first (TLS 1.3).
    public var helloRetryRequest = false
    /// Whether the session's records were decrypted, and why not if they were not.
    public var decrypted = false
    public var failure: TLSDecryptionFailure?
    /// Channel binding material: the first Finished message's verify_data (`tls-unique`, TLS 1.2)
    /// and the RFC 9266 `tls-exporter` value (TLS 1.3).
    public var tlsUnique: [UInt8]?
    /// Derived on demand from the key log's EXPORTER_SECRET (only a -PLUS login needs it), or set.
    public var tlsExporter: [UInt8]? {
        get {
            explicitExporter ?? exporterSecret.map {
                TLS13KeySchedule.exporter(exporterSecret: $0.secret, label: "EXPORTER-Channel-Binding", context: [],
                                          length: 32, hash: $0.hash)
            }
        }
        set { explicitExporter = newValue }
    }
    private var explicitExporter: [UInt8]?
    /// TLS 1.3: the exporter secret and the suite's hash (never shown or logged).
    var exporterSecret: (secret: [UInt8], hash: TLSHash)? {
        get { exporterSecretBytes.map { ($0.bytes, exporterHash) } }
        set {
            exporterSecretBytes = newValue.map { SecretBytes(bytes: $0.secret) }
            exporterHash = newValue?.hash ?? .sha256
        }
    }
    private var exporterSecretBytes: SecretBytes?
    private var exporterHash = TLSHash.sha256

    public init() {}

    /// `0x0304` → `TLSv1.3`.
    static func versionName(_ version: UInt16) -> String {
        switch version {
        case 0x0304: return "TLSv1.3"
        case 0x0303: return "TLSv1.2"
        case 0x0302: return "TLSv1.1"
        case 0x0301: return "TLSv1"
        case 0x0300: return "SSLv3"
        default: return "0x" + String(version, radix: 16)
        }
    }
}

/// Secret bytes that print as `[secret]` (in descriptions, dumps and mirrors), never their value.
struct SecretBytes: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let bytes: [UInt8]
    var description: String { "[secret]" }
    var debugDescription: String { "[secret]" }
    var customMirror: Mirror { Mirror(self, children: []) }
}
