/// The labels of the NSS key log format (`SSLKEYLOGFILE`), as written by NSS, OpenSSL's and
/// BoringSSL's key log callbacks, GnuTLS, Python's `ssl`, Node's `--tls-keylog` and Go's `KeyLogWriter`.
public enum KeyLogLabel: String, Sendable, Hashable, CaseIterable {
    /// TLS 1.2 and earlier: the 48-byte master secret.
    case clientRandom = "CLIENT_RANDOM"
    /// TLS 1.3: the secret protecting 0-RTT data.
    case clientEarlyTrafficSecret = "CLIENT_EARLY_TRAFFIC_SECRET"
    /// TLS 1.3: the secrets protecting each side's handshake after the ServerHello.
    case clientHandshakeTrafficSecret = "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
    case serverHandshakeTrafficSecret = "SERVER_HANDSHAKE_TRAFFIC_SECRET"
    /// TLS 1.3: the first application traffic secret of each side (KeyUpdate derives the next).
    case clientTrafficSecret0 = "CLIENT_TRAFFIC_SECRET_0"
    case serverTrafficSecret0 = "SERVER_TRAFFIC_SECRET_0"
    /// TLS 1.3: the exporter secret (RFC 9266 `tls-exporter` channel binding is derived from it).
    case exporterSecret = "EXPORTER_SECRET"
    /// TLS 1.3: the early exporter secret (kept, not used).
    case earlyExporterSecret = "EARLY_EXPORTER_SECRET"

    /// The lengths a secret under this label may have: 48 bytes for a TLS 1.2 master secret; the
    /// hash length of the suite (32 for SHA-256, 48 for SHA-384) for TLS 1.3.
    public var secretLengths: Set<Int> {
        self == .clientRandom ? Self.masterSecretLengths : Self.trafficSecretLengths
    }

    /// Made once: a key log's every line asks (building the set there took a tenth of a line's parse).
    private static let masterSecretLengths: Set<Int> = [48]
    private static let trafficSecretLengths: Set<Int> = [32, 48]

    /// The label whose name is these bytes (UTF-8), if any: compared as bytes, without building
    /// a string.
    init?(utf8 name: ArraySlice<UInt8>) {
        guard let match = Self.names.first(where: { $0.bytes.elementsEqual(name) }) else { return nil }
        self = match.label
    }

    /// Every label with its name's bytes.
    private static let names: [(bytes: [UInt8], label: KeyLogLabel)] = allCases.map { (Array($0.rawValue.utf8), $0) }

    /// Labels other tools write that carry nothing xmppscope needs, skipped without a complaint:
    /// RSA pre-master secrets (keyed by the encrypted secret, not the client random), and the
    /// secrets OpenSSL 3 logs after each TLS 1.3 KeyUpdate (xmppscope derives those itself).
    static let ignored: Set<String> = ["RSA", "PMS_CLIENT_RANDOM", "CLIENT_TRAFFIC_SECRET_N", "SERVER_TRAFFIC_SECRET_N"]
}
