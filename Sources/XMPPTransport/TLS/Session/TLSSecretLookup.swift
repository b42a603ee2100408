/// Where a TLS decoder finds a session's secrets: the key logs the user gave. Implemented on the
/// input side, which reads the files (and, for a live source, reads them again as they grow).
public protocol TLSSecretLookup: AnyObject {
    /// The secrets logged for the session whose ClientHello carried `clientRandom`, if any yet (a
    /// source that may grow reads what was added first: secrets are logged as the handshake goes).
    func secrets(forClientRandom clientRandom: [UInt8]) -> [KeyLogLabel: [UInt8]]?
    /// Whether a secret not found now can still appear (a key log that grows while a capture or
    /// the proxy runs): the decoder then holds the session's records, within a bound, and asks again.
    var mayGrow: Bool { get }
}
