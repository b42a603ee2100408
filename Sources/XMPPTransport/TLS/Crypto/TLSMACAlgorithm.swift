/// The HMAC that protects a TLS 1.2 CBC record.
public enum TLSMACAlgorithm: Sendable, Hashable {
    case sha1, sha256, sha384

    /// The MAC (and MAC key) length in bytes.
    var length: Int {
        switch self {
        case .sha1: 20
        case .sha256: 32
        case .sha384: 48
        }
    }
}
