/// The hash behind a cipher suite's PRF (TLS 1.2) or key schedule (TLS 1.3).
public enum TLSHash: Sendable, Hashable {
    case sha256, sha384

    /// The digest length in bytes.
    var length: Int {
        switch self {
        case .sha256: 32
        case .sha384: 48
        }
    }
}
