/// Recognises a connection that begins with TLS (XEP-0368 direct TLS) from its first bytes: a
/// handshake record holding a ClientHello, whose SNI and ALPN say what the client wants.
public enum TLSClientHelloSniffer {
    /// What the first bytes of a connection are.
    public enum Verdict: Sendable, Hashable {
        /// Not a TLS ClientHello.
        case notTLS
        /// A TLS record header announcing a handshake: more bytes are needed to read the hello.
        case needMoreBytes
        /// A ClientHello, with the server name and protocols the client asked for, and its random
        /// (what a key log names the session by).
        case clientHello(serverName: String?, alpn: [String], random: [UInt8])
    }

    /// Looks at the first bytes the client sent.
    public static func sniff(_ bytes: [UInt8]) -> Verdict {
        guard bytes.count >= 6 else {
            let prefix: [UInt8] = [0x16, 0x03]
            return bytes.elementsEqual(prefix.prefix(bytes.count)) ? .needMoreBytes : .notTLS
        }
        guard bytes[0] == 0x16, bytes[1] == 0x03, bytes[2] <= 0x04, bytes[5] == 0x01 else { return .notTLS }
        var reader = TLSRecordReader()
        bytes.withUnsafeBytes { reader.append($0) }
        var handshake = TLSHandshakeReader()
        while let record = reader.next(problem: { _ in }) {
            guard record.type == .handshake, let messages = try? handshake.append(record.fragment) else { return .notTLS }
            if let first = messages.first {
                guard first.type == .clientHello, let hello = TLSClientHello(body: first.body) else { return .notTLS }
                return .clientHello(serverName: hello.serverName, alpn: hello.alpn, random: hello.random)
            }
        }
        return bytes.count < 1 << 16 ? .needMoreBytes : .notTLS
    }
}
