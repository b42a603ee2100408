import NIOSSL
import Testing
@testable import XMPPTransport

/// Records sealed by BoringSSL in real sessions, opened with keys derived from its key log.
@Suite("Real TLS sessions (BoringSSL via NIOSSL) opened from their key logs")
struct TLSSessionDecryptionTests {
    static let clientPayload = Array("<iq type='get' id='ping1'><ping xmlns='urn:xmpp:ping'/></iq>".utf8)
        + (0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }  // more than one record
    static let serverPayload = Array("<iq type='result' id='ping1'/>".utf8)

    /// Opens every protected record of one direction (those after its ChangeCipherSpec) and returns
    /// (type, content) for each.
    static func openTLS12(_ stream: [UInt8], keys: TLSTrafficKeys, suite: TLSCipherSuite) throws -> [(UInt8, [UInt8])] {
        let records = NIOSSLSession.records(of: stream)
        let ccs = try #require(records.firstIndex { $0.type == 20 })
        var decryptor = TLSRecordDecryptor(suite: suite, keys: keys, version: .tls12, encryptThenMAC: false)
        var opened: [(UInt8, [UInt8])] = []
        for record in records[(ccs + 1)...] {
            let (type, content) = try decryptor.open(header: record.header, fragment: record.fragment)
            opened.append((type, content))
        }
        return opened
    }

    @Test("TLS 1.2: every BoringSSL record opens, Finished first, then the payloads byte for byte",
          arguments: [NIOTLSCipher.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
                      .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
                      .TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, .TLS_RSA_WITH_AES_128_GCM_SHA256])
    func tls12(cipher: NIOTLSCipher) throws {
        let session = try NIOSSLSession.run(suites: [cipher], version: .tlsv12, clientPayload: Self.clientPayload, serverPayload: Self.serverPayload)
        let clientHello = try #require(NIOSSLSession.records(of: session.clientToServer).first)
        let serverHello = try #require(NIOSSLSession.records(of: session.serverToClient).first)
        #expect(clientHello.type == 22 && clientHello.fragment.first == 1 && serverHello.type == 22 && serverHello.fragment.first == 2)
        // handshake header (4) + legacy_version (2), then the 32-byte random
        let clientRandom = Array(clientHello.fragment.dropFirst(6).prefix(32))
        let serverRandom = Array(serverHello.fragment.dropFirst(6).prefix(32))
        let sessionIDLength = Int(serverHello.fragment.dropFirst(38).first!)
        let suiteBytes = Array(serverHello.fragment.dropFirst(39 + sessionIDLength).prefix(2))
        #expect(UInt16(suiteBytes[0]) << 8 | UInt16(suiteBytes[1]) == cipher.rawValue)
        let suite = try #require(TLSCipherSuite.suite(id: cipher.rawValue))
        let masterSecret = try #require(session.secret("CLIENT_RANDOM", clientRandom: clientRandom), "\(session.keyLog)")

        let keys = TLS12KeyDerivation.keys(masterSecret: masterSecret, clientRandom: clientRandom, serverRandom: serverRandom, suite: suite)
        for (stream, keys, payload) in [(session.clientToServer, keys.client, Self.clientPayload), (session.serverToClient, keys.server, Self.serverPayload)] {
            let opened = try Self.openTLS12(stream, keys: keys, suite: suite)
            let finished = try #require(opened.first)
            #expect(finished.0 == 22 && finished.1.prefix(4) == [20, 0, 0, 12] && finished.1.count == 16, "\(suite.name)")
            #expect(opened.dropFirst().allSatisfy { $0.0 == 23 })
            #expect(opened.dropFirst().flatMap(\.1) == payload, "\(suite.name)")
        }
        #expect(NIOSSLSession.records(of: session.clientToServer).filter { $0.type == 23 }.count >= 2, "the client payload spans records")

        // The wrong direction's keys, or a flipped byte, are refused.
        #expect(throws: TLSRecordOpenError.self) { try Self.openTLS12(session.clientToServer, keys: keys.server, suite: suite) }
        var damaged = session.serverToClient
        damaged[damaged.count - 3] ^= 0x20
        #expect(throws: TLSRecordOpenError.self) { try Self.openTLS12(damaged, keys: keys.server, suite: suite) }
    }

    @Test("TLS 1.3: handshake and application records open with keys from the logged traffic secrets")
    func tls13() throws {
        let session = try NIOSSLSession.run(suites: [], version: .tlsv13, clientPayload: Self.clientPayload, serverPayload: Self.serverPayload)
        let clientHello = try #require(NIOSSLSession.records(of: session.clientToServer).first)
        let serverHello = try #require(NIOSSLSession.records(of: session.serverToClient).first)
        let clientRandom = Array(clientHello.fragment.dropFirst(6).prefix(32))
        let sessionIDLength = Int(serverHello.fragment.dropFirst(38).first!)
        let suiteBytes = Array(serverHello.fragment.dropFirst(39 + sessionIDLength).prefix(2))
        let suite = try #require(TLSCipherSuite.suite(id: UInt16(suiteBytes[0]) << 8 | UInt16(suiteBytes[1])))
        #expect(suite.isTLS13)

        let directions = [
            ("CLIENT", session.clientToServer, Self.clientPayload),
            ("SERVER", session.serverToClient, Self.serverPayload),
        ]
        for (side, stream, payload) in directions {
            let handshakeSecret = try #require(session.secret("\(side)_HANDSHAKE_TRAFFIC_SECRET", clientRandom: clientRandom), "\(session.keyLog)")
            let trafficSecret = try #require(session.secret("\(side)_TRAFFIC_SECRET_0", clientRandom: clientRandom))
            #expect(handshakeSecret.count == suite.hash.length)
            var handshake = TLSRecordDecryptor(suite: suite, keys: TLS13KeySchedule.trafficKeys(secret: handshakeSecret, suite: suite),
                                               version: .tls13, encryptThenMAC: false)
            var application = TLSRecordDecryptor(suite: suite, keys: TLS13KeySchedule.trafficKeys(secret: trafficSecret, suite: suite),
                                                 version: .tls13, encryptThenMAC: false)
            var handshakeBytes: [UInt8] = []
            var finished = false
            var data: [UInt8] = []
            for record in NIOSSLSession.records(of: stream).dropFirst() where record.type == 23 {
                if !finished {
                    let (type, content) = try handshake.open(header: record.header, fragment: record.fragment)
                    #expect(type == 22)
                    handshakeBytes += content
                    finished = Self.endsWithFinished(handshakeBytes)
                } else {
                    let (type, content) = try application.open(header: record.header, fragment: record.fragment)
                    if type == 23 { data += content } else { #expect(type == 22, "post-handshake messages only") }
                }
            }
            #expect(finished, "\(side) Finished")
            #expect(data == payload, "\(side) \(suite.name)")
        }
    }

    /// Whether the handshake messages in `bytes` end with a complete Finished (type 20).
    static func endsWithFinished(_ bytes: [UInt8]) -> Bool {
        var offset = 0, last: UInt8 = 0
        while offset + 4 <= bytes.count {
            let length = Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard offset + 4 + length <= bytes.count else { return false }
            last = bytes[offset]
            offset += 4 + length
        }
        return offset == bytes.count && last == 20
    }
}
