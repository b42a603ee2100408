/// How a cipher suite protects records.
public enum TLSRecordProtection: Sendable, Hashable {
    /// AES-128-GCM or AES-256-GCM (the suite's key length says which).
    case aesGCM
    case chaCha20Poly1305
    /// AES-CBC with an HMAC (TLS 1.2 only).
    case aesCBC(mac: TLSMACAlgorithm)
}
