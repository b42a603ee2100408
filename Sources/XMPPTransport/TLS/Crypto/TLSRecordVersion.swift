/// Which record protection rules apply: TLS 1.2 (explicit nonces, MACs over a pseudo-header) or
/// TLS 1.3 (the header as AAD, the content type inside the ciphertext).
enum TLSRecordVersion: Sendable, Hashable {
    case tls12, tls13
}
