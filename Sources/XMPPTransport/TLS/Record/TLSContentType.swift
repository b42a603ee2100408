/// The content types of the TLS record layer (RFC 8446 §5.1, RFC 5246 §6.2.1).
public enum TLSContentType: UInt8, Sendable, Hashable {
    case changeCipherSpec = 20
    case alert = 21
    case handshake = 22
    case applicationData = 23
    case heartbeat = 24

    /// The name tshark and the RFCs use.
    public var name: String {
        switch self {
        case .changeCipherSpec: return "change_cipher_spec"
        case .alert: return "alert"
        case .handshake: return "handshake"
        case .applicationData: return "application_data"
        case .heartbeat: return "heartbeat"
        }
    }
}
