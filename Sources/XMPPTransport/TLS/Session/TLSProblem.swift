/// Something wrong in one direction of a TLS session, reported once where it happens; the
/// decoder goes on with what follows.
public enum TLSProblem: Sendable, Hashable, CustomStringConvertible {
    /// Bytes that are not TLS records, at a TLS stream offset.
    case notARecord(offset: Int, skipped: Int)
    /// A record longer than TLS allows.
    case oversizedRecord(offset: Int, length: Int, limit: Int)
    /// A handshake message that is malformed or too long to reassemble.
    case malformedHandshake(String)
    /// Records that do not authenticate with the logged secret (reported once per direction).
    case recordsDoNotDecrypt(offset: Int)
    /// 0-RTT data the key log has no CLIENT_EARLY_TRAFFIC_SECRET for.
    case earlyDataNotDecrypted(bytes: Int)
    /// A fatal alert the peer sent, by its RFC 8446 name.
    case alert(String)
    /// After a gap, no following record authenticated: the rest of this direction stays encrypted.
    case cannotResynchronise

    public var description: String {
        switch self {
        case .notARecord(let offset, let skipped):
            return "bytes at TLS offset \(offset) are not a TLS record (\(skipped) bytes skipped)"
        case .oversizedRecord(let offset, let length, let limit):
            return "the TLS record at offset \(offset) claims \(length) bytes, more than the \(limit) TLS allows"
        case .malformedHandshake(let what):
            return "malformed TLS handshake: \(what)"
        case .recordsDoNotDecrypt(let offset):
            return "the TLS record at offset \(offset) does not decrypt with the logged secret: a different key log?"
        case .earlyDataNotDecrypted(let bytes):
            return "\(bytes) bytes of 0-RTT data not decrypted: the key log has no CLIENT_EARLY_TRAFFIC_SECRET for this session"
        case .alert(let name):
            return "fatal TLS alert: \(name)"
        case .cannotResynchronise:
            return "no TLS record after the gap decrypts: the rest of this direction stays encrypted"
        }
    }
}
