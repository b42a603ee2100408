/// Why a protected record could not be opened.
enum TLSRecordOpenError: Error, Equatable, CustomStringConvertible {
    /// The tag or MAC did not match: the keys in the key log do not belong to this connection or
    /// direction, a record was missed (the sequence numbers no longer line up), or the bytes are damaged.
    case authenticationFailed
    /// CBC padding was malformed (or the ciphertext is not a whole number of blocks): usually the
    /// wrong key or a missed record.
    case badPadding
    /// The record is too short to hold the nonce, tag, MAC or IV its suite needs.
    case tooShort
    /// The plaintext is longer than TLS allows (2^14 bytes, plus the content type in TLS 1.3).
    case plaintextTooLong
    /// A TLS 1.3 record's inner plaintext was all zeros, so it has no content type.
    case noContentType

    var description: String {
        switch self {
        case .authenticationFailed:
            "a TLS record failed authentication: check that the key log has this connection's secrets and that the capture lost no packets"
        case .badPadding:
            "a TLS record had malformed CBC padding: check that the key log has this connection's secrets and that the capture lost no packets"
        case .tooShort:
            "a TLS record was too short for its cipher suite: the capture may be damaged or the suite misread"
        case .plaintextTooLong:
            "a TLS record decrypted to more than TLS allows: the peer is not following the protocol"
        case .noContentType:
            "a TLS 1.3 record decrypted to zeros only (no content type): the peer is not following the protocol"
        }
    }
}
