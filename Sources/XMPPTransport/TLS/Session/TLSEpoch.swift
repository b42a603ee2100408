/// Which keys protect a direction's records (RFC 8446 §7.1; TLS 1.2 has one epoch after
/// ChangeCipherSpec, ``tls12``).
enum TLSEpoch: Sendable, Hashable {
    /// 0-RTT data under CLIENT_EARLY_TRAFFIC_SECRET (client to server only).
    case early
    /// The rest of the handshake under the handshake traffic secrets.
    case handshake
    /// Application data under the n-th application traffic secret (n counts KeyUpdates).
    case application(Int)
    /// TLS 1.2 after ChangeCipherSpec.
    case tls12
}
