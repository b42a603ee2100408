/// What xmppscope reads from a ClientHello: the random that keys the key log, and what the
/// client asked for.
struct TLSClientHello: Sendable {
    var legacyVersion: UInt16
    var random: [UInt8]
    var sessionID: [UInt8]
    var cipherSuites: [UInt16]
    var extensions: TLSExtensions

    var serverName: String? { extensions.serverName }
    var alpn: [String] { extensions.alpn }
    /// A TLS 1.2 session ticket offered for resumption (RFC 5077), if not empty.
    var sessionTicket: [UInt8]? {
        guard let ticket = extensions[.sessionTicket], !ticket.isEmpty else { return nil }
        return Array(ticket)
    }
    /// Whether the client sends 0-RTT data after this hello (TLS 1.3).
    var offersEarlyData: Bool { extensions.contains(.earlyData) }

    /// Parses the body of a ClientHello message; nil if it is malformed.
    init?(body: [UInt8]) {
        var cursor = TLSByteCursor(body)
        guard let version = cursor.uint16(), let random = cursor.bytes(32),
              let sessionID = cursor.vector(lengthBytes: 1), sessionID.count <= 32,
              let suites = cursor.vector(lengthBytes: 2), suites.count % 2 == 0,
              cursor.vector(lengthBytes: 1) != nil,
              let extensions = TLSExtensions(&cursor) else { return nil }
        legacyVersion = version
        self.random = Array(random)
        self.sessionID = Array(sessionID)
        cipherSuites = stride(from: suites.startIndex, to: suites.endIndex, by: 2).map {
            UInt16(suites[$0]) << 8 | UInt16(suites[$0 + 1])
        }
        self.extensions = extensions
    }
}
