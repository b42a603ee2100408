import NIOSSL

/// How a TLS handshake failed, told apart by what NIOSSL reports: a failed handshake is
/// `NIOSSLError.handshakeFailed` with BoringSSL's error stack.
enum TLSHandshakeFailure: Equatable {
    /// BoringSSL could not verify the peer's certificate (an unknown CA, expired, …).
    case certificateNotVerified
    /// Anything else: no common protocol version or cipher, an alert from the peer, the peer
    /// closing mid-handshake.
    case other

    /// Nil when `error` is not a failed handshake.
    init?(_ error: any Error) {
        guard case NIOSSLError.handshakeFailed(let reason) = error else { return nil }
        switch reason {
        case .sslError(let stack), .unknownError(let stack):
            let verifyFailed = stack.contains { Self.packedCode(of: $0) == Self.certificateVerifyFailed }
            self = verifyFailed ? .certificateNotVerified : .other
        default:
            self = .other
        }
    }

    /// BoringSSL's `ERR_PACK(ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED)`: library 16, reason 125.
    static let certificateVerifyFailed: UInt32 = 16 << 24 | 125

    /// BoringSSL's packed error code of `error`. NIOSSL keeps the code private and shows it only
    /// at the start of the description: "Error: 268435581 error:1000007d:SSL routines:…".
    static func packedCode(of error: BoringSSLInternalError) -> UInt32? {
        let description = error.description
        guard description.hasPrefix("Error: ") else { return nil }
        return UInt32(description.dropFirst("Error: ".count).prefix { $0.isASCII && $0.isNumber })
    }
}
