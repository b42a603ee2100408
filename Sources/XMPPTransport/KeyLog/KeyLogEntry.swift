/// One secret from a key log: which secret, for the TLS session whose ClientHello carried
/// `clientRandom`.
public struct KeyLogEntry: Sendable, Hashable {
    public var label: KeyLogLabel
    /// The ClientHello's 32-byte random: the key that finds a session's secrets.
    public var clientRandom: [UInt8]
    public var secret: [UInt8]

    public init(label: KeyLogLabel, clientRandom: [UInt8], secret: [UInt8]) {
        self.label = label
        self.clientRandom = clientRandom
        self.secret = secret
    }
}
