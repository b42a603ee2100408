/// The keys that protect one direction of a connection.
struct TLSTrafficKeys: Sendable, Hashable {
    /// The cipher key (16 or 32 bytes).
    var key: [UInt8]
    /// TLS 1.3 and TLS 1.2 ChaCha20-Poly1305: the 12-byte static IV; TLS 1.2 GCM: the 4-byte
    /// implicit salt; TLS 1.2 CBC: empty (each record carries its IV).
    var iv: [UInt8]
    /// TLS 1.2 CBC: the HMAC key; empty for AEAD suites.
    var macKey: [UInt8]
}
