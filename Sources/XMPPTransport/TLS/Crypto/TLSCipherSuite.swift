/// A cipher suite xmppscope knows by its IANA id: its name, and for the ones it can decrypt,
/// how records are protected and which hash drives the key derivation.
public struct TLSCipherSuite: Sendable, Hashable {
    public let id: UInt16
    /// The IANA name, e.g. "TLS_AES_128_GCM_SHA256".
    public let name: String
    public let isTLS13: Bool
    /// How records are protected; nil for a suite xmppscope knows by name but cannot decrypt
    /// (CCM, 3DES, RC4, NULL, signalling values).
    public let protection: TLSRecordProtection?
    /// The cipher key length: 16 or 32 bytes (0 when `protection` is nil).
    public let keyLength: Int
    /// The PRF hash (TLS 1.2: SHA-384 for `*_SHA384` suites, else SHA-256) or HKDF hash (TLS 1.3).
    public let hash: TLSHash

    private init(_ id: UInt16, _ name: String, _ protection: TLSRecordProtection?, _ keyLength: Int,
                 _ hash: TLSHash = .sha256, tls13: Bool = false) {
        self.id = id
        self.name = name
        self.isTLS13 = tls13
        self.protection = protection
        self.keyLength = protection == nil ? 0 : keyLength
        self.hash = hash
    }

    /// The suite with this id, or nil if xmppscope does not know it.
    public static func suite(id: UInt16) -> TLSCipherSuite? {
        let cbcSHA1 = TLSRecordProtection.aesCBC(mac: .sha1)
        let cbcSHA256 = TLSRecordProtection.aesCBC(mac: .sha256)
        let cbcSHA384 = TLSRecordProtection.aesCBC(mac: .sha384)
        switch id {
        // TLS 1.3 (RFC 8446 §B.4)
        case 0x1301: return Self(id, "TLS_AES_128_GCM_SHA256", .aesGCM, 16, tls13: true)
        case 0x1302: return Self(id, "TLS_AES_256_GCM_SHA384", .aesGCM, 32, .sha384, tls13: true)
        case 0x1303: return Self(id, "TLS_CHACHA20_POLY1305_SHA256", .chaCha20Poly1305, 32, tls13: true)
        case 0x1304: return Self(id, "TLS_AES_128_CCM_SHA256", nil, 0, tls13: true)
        case 0x1305: return Self(id, "TLS_AES_128_CCM_8_SHA256", nil, 0, tls13: true)

        // RSA key exchange
        case 0x002F: return Self(id, "TLS_RSA_WITH_AES_128_CBC_SHA", cbcSHA1, 16)
        case 0x0035: return Self(id, "TLS_RSA_WITH_AES_256_CBC_SHA", cbcSHA1, 32)
        case 0x003C: return Self(id, "TLS_RSA_WITH_AES_128_CBC_SHA256", cbcSHA256, 16)
        case 0x003D: return Self(id, "TLS_RSA_WITH_AES_256_CBC_SHA256", cbcSHA256, 32)
        case 0x009C: return Self(id, "TLS_RSA_WITH_AES_128_GCM_SHA256", .aesGCM, 16)
        case 0x009D: return Self(id, "TLS_RSA_WITH_AES_256_GCM_SHA384", .aesGCM, 32, .sha384)

        // DHE_RSA
        case 0x0033: return Self(id, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", cbcSHA1, 16)
        case 0x0039: return Self(id, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", cbcSHA1, 32)
        case 0x0067: return Self(id, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", cbcSHA256, 16)
        case 0x006B: return Self(id, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", cbcSHA256, 32)
        case 0x009E: return Self(id, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", .aesGCM, 16)
        case 0x009F: return Self(id, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", .aesGCM, 32, .sha384)
        case 0xCCAA: return Self(id, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", .chaCha20Poly1305, 32)

        // ECDHE_ECDSA
        case 0xC009: return Self(id, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", cbcSHA1, 16)
        case 0xC00A: return Self(id, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", cbcSHA1, 32)
        case 0xC023: return Self(id, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", cbcSHA256, 16)
        case 0xC024: return Self(id, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", cbcSHA384, 32, .sha384)
        case 0xC02B: return Self(id, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", .aesGCM, 16)
        case 0xC02C: return Self(id, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", .aesGCM, 32, .sha384)
        case 0xCCA9: return Self(id, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", .chaCha20Poly1305, 32)

        // ECDHE_RSA
        case 0xC013: return Self(id, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", cbcSHA1, 16)
        case 0xC014: return Self(id, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", cbcSHA1, 32)
        case 0xC027: return Self(id, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", cbcSHA256, 16)
        case 0xC028: return Self(id, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", cbcSHA384, 32, .sha384)
        case 0xC02F: return Self(id, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", .aesGCM, 16)
        case 0xC030: return Self(id, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", .aesGCM, 32, .sha384)
        case 0xCCA8: return Self(id, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", .chaCha20Poly1305, 32)

        // PSK key exchanges (BoringSSL's): the records are protected as above.
        case 0x008C: return Self(id, "TLS_PSK_WITH_AES_128_CBC_SHA", cbcSHA1, 16)
        case 0x008D: return Self(id, "TLS_PSK_WITH_AES_256_CBC_SHA", cbcSHA1, 32)
        case 0xC035: return Self(id, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA", cbcSHA1, 16)
        case 0xC036: return Self(id, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA", cbcSHA1, 32)
        case 0xCCAB: return Self(id, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", .chaCha20Poly1305, 32)
        case 0xCCAC: return Self(id, "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256", .chaCha20Poly1305, 32)

        // Known by name only: not decryptable here.
        case 0x0000: return Self(id, "TLS_NULL_WITH_NULL_NULL", nil, 0)
        case 0x0001: return Self(id, "TLS_RSA_WITH_NULL_MD5", nil, 0)
        case 0x0002: return Self(id, "TLS_RSA_WITH_NULL_SHA", nil, 0)
        case 0x0004: return Self(id, "TLS_RSA_WITH_RC4_128_MD5", nil, 0)
        case 0x0005: return Self(id, "TLS_RSA_WITH_RC4_128_SHA", nil, 0)
        case 0x000A: return Self(id, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", nil, 0)
        case 0x0016: return Self(id, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", nil, 0)
        case 0x003B: return Self(id, "TLS_RSA_WITH_NULL_SHA256", nil, 0)
        case 0x00FF: return Self(id, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV", nil, 0)
        case 0x5600: return Self(id, "TLS_FALLBACK_SCSV", nil, 0)
        case 0xC008: return Self(id, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA", nil, 0)
        case 0xC012: return Self(id, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", nil, 0)
        case 0xC011: return Self(id, "TLS_ECDHE_RSA_WITH_RC4_128_SHA", nil, 0)
        case 0xC09C: return Self(id, "TLS_RSA_WITH_AES_128_CCM", nil, 0)
        case 0xC09D: return Self(id, "TLS_RSA_WITH_AES_256_CCM", nil, 0)
        case 0xC0AC: return Self(id, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM", nil, 0)
        case 0xC0AD: return Self(id, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM", nil, 0)
        case 0xC0AE: return Self(id, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", nil, 0)
        case 0xC0AF: return Self(id, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8", nil, 0)
        default: return nil
        }
    }

    /// A display name for any id: the IANA name, or the code point in uppercase hex such as
    /// "0x0A0A" for an unknown one (GREASE values included), as the proxy's names have it.
    public static func name(id: UInt16) -> String {
        if let suite = suite(id: id) { return suite.name }
        let digits = String(id, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: 4 - digits.count) + digits
    }
}
