public import XMPPBase

/// What a ``TLSConnectionDecoder`` reports, in stream order.
public enum TLSEvent: Sendable {
    /// The session's facts, once per connection: when the handshake completes, or as soon as it
    /// is known that the session will not be decrypted (then `decrypted` is false, with the reason).
    case handshake(TLSSessionInfo)
    /// Decrypted application data.
    case plaintext(Direction, [UInt8])
    /// Records lost to a gap before decryption picked up again.
    case lost(Direction, records: Int)
    case problem(Direction, TLSProblem)
}
