/// Why a TLS session was not decrypted, in words a user can act on.
public enum TLSDecryptionFailure: Sendable, Hashable, CustomStringConvertible {
    /// No key log was given: facts from the handshake only.
    case noKeyLog
    /// The key logs have nothing for this session's client random.
    case noSecret(clientRandom: [UInt8])
    /// A secret was found but records do not authenticate with it.
    case wrongSecret
    /// The capture has no ClientHello for this session.
    case noClientHello
    /// The handshake never finished in what was captured.
    case incompleteHandshake
    /// A suite xmppscope cannot decrypt.
    case unsupportedSuite(String)
    /// The records waiting for a secret outgrew their bound before it appeared in the key log.
    case secretTooLate(heldBytes: Int)

    public var description: String {
        switch self {
        case .noKeyLog:
            return "no key log was given: run with --keylog FILE (the client's SSLKEYLOGFILE) to decrypt it"
        case .noSecret(let random):
            let hex = random.prefix(8).map { byte in
                let digits = String(byte, radix: 16)
                return digits.count == 1 ? "0" + digits : digits
            }.joined()
            return "the key log has no secret for client random \(hex)…: was the key log written by this client, during this capture?"
        case .wrongSecret:
            return "the secret does not decrypt this session: a different key log?"
        case .noClientHello:
            return "the capture began after the handshake (no ClientHello): a key log cannot be matched without it"
        case .incompleteHandshake:
            return "the handshake did not complete in the capture"
        case .unsupportedSuite(let name):
            return "cipher suite \(name) is not one xmppscope decrypts"
        case .secretTooLate(let held):
            return "the key log had no secret for this session while \(held) bytes of its records were held: it was written too late, or by another client"
        }
    }
}
