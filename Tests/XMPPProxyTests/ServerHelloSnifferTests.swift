import Foundation
import NIOCore
import NIOEmbedded
import NIOSSL
import Testing
import XMPPTransport
@testable import XMPPProxy

@Suite("Cipher suite from the ServerHello")
struct ServerHelloSnifferTests {
    /// A TLS 1.2 record holding the start of a ServerHello: session id of `sessionID` bytes,
    /// then `suite`.
    static func serverHello(suite: UInt16, sessionID: Int) -> [UInt8] {
        var hello: [UInt8] = [0x03, 0x03] + [UInt8](repeating: 0xAB, count: 32)  // legacy_version, random
        hello += [UInt8(sessionID)] + [UInt8](repeating: 0x11, count: sessionID)
        hello += [UInt8(suite >> 8), UInt8(suite & 0xFF), 0x00]                   // suite, compression
        let handshake: [UInt8] = [0x02, 0x00, UInt8(hello.count >> 8), UInt8(hello.count & 0xFF)] + hello
        return [0x16, 0x03, 0x03, UInt8(handshake.count >> 8), UInt8(handshake.count & 0xFF)] + handshake
    }

    @Test("the suite is found whatever the session id and however the record is split", arguments: [0, 1, 32])
    func parser(sessionID: Int) {
        let record = Self.serverHello(suite: 0xC02B, sessionID: sessionID)
        for piece in [1, 3, 7, record.count] {
            var parser = ServerHelloParser()
            var result = ServerHelloParser.Result.needMore
            var offset = 0
            while result == .needMore && offset < record.count {
                result = parser.feed(record[offset..<min(offset + piece, record.count)])
                offset += piece
            }
            #expect(result == .found(0xC02B), "pieces of \(piece)")
        }
        #expect(TLSCipherSuite.name(id: 0xC02B) == "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")
        #expect(TLSCipherSuite.name(id: 0x0A0A) == "0x0A0A")
    }

    @Test("anything else is not a ServerHello, and nothing is guessed")
    func notAHello() {
        var alert = ServerHelloParser()
        #expect(alert.feed([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]) == .notAServerHello)
        var clientHello = ServerHelloParser()
        #expect(clientHello.feed([0x16, 0x03, 0x01, 0x00, 0x40, 0x01]) == .notAServerHello)
        var plain = ServerHelloParser()
        #expect(plain.feed(Array("<stream:stream>".utf8)) == .notAServerHello)
        var split = ServerHelloParser()  // a hello whose first record ends before the suite
        var record = Self.serverHello(suite: 0x1301, sessionID: 32)
        record[3] = 0; record[4] = 40
        #expect(split.feed(record) == .notAServerHello)
        var short = ServerHelloParser()
        #expect(short.feed(Self.serverHello(suite: 0x1301, sessionID: 32).prefix(60)) == .needMore)
    }

    @Test("a real handshake: both legs' sniffers name the suite the server was limited to, then leave the pipeline",
          arguments: [NIOTLSCipher.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384])
    func handshake(suite: NIOTLSCipher) throws {
        let home = CertificateAuthorityTests.temporaryHome()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let authority = try CertificateAuthority.loadOrCreate(in: home)
        let (leaf, key) = try authority.issueLeaf(for: "xmppscope.test")
        var serverTLS = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(leaf.serializeAsPEM().pemString.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(key.serializeAsPEM().pemString.utf8), format: .pem)))
        serverTLS.maximumTLSVersion = .tlsv12
        serverTLS.cipherSuiteValues = [suite]
        var clientTLS = TLSConfiguration.makeClientConfiguration()
        clientTLS.certificateVerification = .none

        let server = EmbeddedChannel(), client = EmbeddedChannel()
        var seen: [String: String] = [:]
        try server.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: NIOSSLContext(configuration: serverTLS)))
        try server.pipeline.syncOperations.addHandler(ServerHelloSniffer(watching: .outbound) { seen["server"] = $0 }, position: .first)
        try client.pipeline.syncOperations.addHandler(
            NIOSSLClientHandler(context: NIOSSLContext(configuration: clientTLS), serverHostname: "xmppscope.test"))
        try client.pipeline.syncOperations.addHandler(ServerHelloSniffer(watching: .inbound) { seen["client"] = $0 }, position: .first)
        _ = try server.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        _ = try client.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        for _ in 0..<20 {
            var moved = false
            while let bytes = try client.readOutbound(as: ByteBuffer.self) { try server.writeInbound(bytes); moved = true }
            while let bytes = try server.readOutbound(as: ByteBuffer.self) { try client.writeInbound(bytes); moved = true }
            if !moved { break }
        }
        let name = TLSCipherSuite.name(id: suite.rawValue)
        #expect(seen == ["server": name, "client": name])
        #expect(throws: (any Error).self) { try server.pipeline.syncOperations.handler(type: ServerHelloSniffer.self) }
        #expect(throws: (any Error).self) { try client.pipeline.syncOperations.handler(type: ServerHelloSniffer.self) }
        // Not closed: a TLS close waits for the peer's close_notify, which nothing here relays.
    }
}
