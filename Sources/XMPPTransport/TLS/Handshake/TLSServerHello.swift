/// What xmppscope reads from a ServerHello: the version and suite chosen, the server random,
/// and whether it is a HelloRetryRequest.
struct TLSServerHello: Sendable {
    /// RFC 8446 §4.1.3: the random of a HelloRetryRequest, SHA-256("HelloRetryRequest").
    static let helloRetryRequestRandom: [UInt8] = [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    ]

    var legacyVersion: UInt16
    var random: [UInt8]
    var sessionID: [UInt8]
    var cipherSuite: UInt16
    var extensions: TLSExtensions

    /// The version in force: supported_versions when present (TLS 1.3), else the legacy field.
    var version: UInt16 {
        if let data = extensions[.supportedVersions], data.count == 2 {
            return UInt16(data[data.startIndex]) << 8 | UInt16(data[data.startIndex + 1])
        }
        return legacyVersion
    }

    var isHelloRetryRequest: Bool { random == Self.helloRetryRequestRandom }
    var isTLS13: Bool { version == 0x0304 }
    /// RFC 7366: the server agreed to Encrypt-then-MAC (CBC suites only).
    var encryptThenMAC: Bool { extensions.contains(.encryptThenMAC) }
    /// TLS 1.3: the server accepted a pre-shared key (a resumed session).
    var acceptedPSK: Bool { extensions.contains(.preSharedKey) }
    var alpn: String? { extensions.alpn.first }

    /// Parses the body of a ServerHello message; nil if it is malformed.
    init?(body: [UInt8]) {
        var cursor = TLSByteCursor(body)
        guard let version = cursor.uint16(), let random = cursor.bytes(32),
              let sessionID = cursor.vector(lengthBytes: 1), sessionID.count <= 32,
              let suite = cursor.uint16(), cursor.uint8() != nil,
              let extensions = TLSExtensions(&cursor) else { return nil }
        legacyVersion = version
        self.random = Array(random)
        self.sessionID = Array(sessionID)
        cipherSuite = suite
        self.extensions = extensions
    }
}
