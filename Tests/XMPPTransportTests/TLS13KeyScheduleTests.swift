import Crypto
import Testing
@testable import XMPPTransport

@Suite("TLS 1.3 key schedule and records (RFC 8448 §3)")
struct TLS13KeyScheduleTests {
    static let suite = TLSCipherSuite.suite(id: 0x1301)!

    @Test("HKDF-Expand-Label gives the RFC's traffic keys and IVs for all four secrets")
    func trafficKeys() {
        let cases: [(String, [UInt8], [UInt8], [UInt8])] = [
            ("server handshake", RFC8448.serverHandshakeSecret, RFC8448.serverHandshakeKey, RFC8448.serverHandshakeIV),
            ("client handshake", RFC8448.clientHandshakeSecret, RFC8448.clientHandshakeKey, RFC8448.clientHandshakeIV),
            ("server application", RFC8448.serverApplicationSecret, RFC8448.serverApplicationKey, RFC8448.serverApplicationIV),
            ("client application", RFC8448.clientApplicationSecret, RFC8448.clientApplicationKey, RFC8448.clientApplicationIV),
        ]
        for (name, secret, key, iv) in cases {
            let keys = TLS13KeySchedule.trafficKeys(secret: secret, suite: Self.suite)
            #expect(keys.key == key, "\(name) key")
            #expect(keys.iv == iv, "\(name) iv")
            #expect(keys.macKey.isEmpty)
        }
    }

    static func open(_ record: [UInt8], secret: [UInt8], sequenceNumber: UInt64 = 0) throws(TLSRecordOpenError) -> (contentType: UInt8, content: [UInt8]) {
        var decryptor = TLSRecordDecryptor(suite: suite, keys: TLS13KeySchedule.trafficKeys(secret: secret, suite: suite),
                                           version: .tls13, encryptThenMAC: false)
        decryptor.sequenceNumber = sequenceNumber
        let opened = try decryptor.open(header: Array(record[0..<5]), fragment: record[5...])
        #expect(decryptor.sequenceNumber == sequenceNumber + 1)
        return opened
    }

    @Test("the server's encrypted flight opens to EncryptedExtensions..Finished")
    func serverFlight() throws {
        let opened = try Self.open(RFC8448.serverFlightRecord, secret: RFC8448.serverHandshakeSecret)
        #expect(opened.contentType == 22)
        #expect(opened.content == RFC8448.serverFlightPayload)
    }

    @Test("the client's Finished opens")
    func clientFinished() throws {
        let opened = try Self.open(RFC8448.clientFinishedRecord, secret: RFC8448.clientHandshakeSecret)
        #expect(opened.contentType == 22)
        #expect(opened.content == RFC8448.clientFinished)
    }

    @Test("application data both ways, in sequence after the server's ticket")
    func applicationData() throws {
        var server = TLSRecordDecryptor(suite: Self.suite, keys: TLS13KeySchedule.trafficKeys(secret: RFC8448.serverApplicationSecret, suite: Self.suite),
                                        version: .tls13, encryptThenMAC: false)
        let ticket = RFC8448.newSessionTicketRecord
        let opened = try server.open(header: Array(ticket[0..<5]), fragment: ticket[5...])
        #expect(opened.contentType == 22)
        #expect(opened.content.prefix(4) == [0x04, 0x00, 0x00, 0xc9] && opened.content.count == 4 + 0xc9)
        let record = RFC8448.serverApplicationRecord
        let data = try server.open(header: Array(record[0..<5]), fragment: record[5...])
        #expect(data.contentType == 23 && data.content == RFC8448.applicationPayload)
        #expect(server.sequenceNumber == 2)

        let client = try Self.open(RFC8448.clientApplicationRecord, secret: RFC8448.clientApplicationSecret)
        #expect(client.contentType == 23 && client.content == RFC8448.applicationPayload)
    }

    @Test("a flipped byte, a wrong sequence number or the wrong direction's keys fail authentication")
    func failures() {
        var flipped = RFC8448.clientApplicationRecord
        flipped[20] ^= 0x01
        #expect(throws: TLSRecordOpenError.authenticationFailed) { try Self.open(flipped, secret: RFC8448.clientApplicationSecret) }
        var header = RFC8448.clientApplicationRecord
        header[2] = 0x01  // the header is the AAD
        #expect(throws: TLSRecordOpenError.authenticationFailed) { try Self.open(header, secret: RFC8448.clientApplicationSecret) }
        #expect(throws: TLSRecordOpenError.authenticationFailed) {
            try Self.open(RFC8448.clientApplicationRecord, secret: RFC8448.clientApplicationSecret, sequenceNumber: 1)
        }
        #expect(throws: TLSRecordOpenError.authenticationFailed) {
            try Self.open(RFC8448.clientApplicationRecord, secret: RFC8448.serverApplicationSecret)
        }
        #expect(throws: TLSRecordOpenError.tooShort) {
            try Self.open(Array(RFC8448.clientApplicationRecord.prefix(5 + 16)), secret: RFC8448.clientApplicationSecret)
        }
    }

    @Test("a TLS 1.2-only CBC suite in a TLS 1.3 session (a ServerHello can say so) opens nothing, and does not crash")
    func cbcSuiteInTLS13() throws {
        let suite = try #require(TLSCipherSuite.suite(id: 0xC013))
        var decryptor = TLSRecordDecryptor(suite: suite, keys: TLS13KeySchedule.trafficKeys(secret: RFC8448.clientApplicationSecret, suite: suite),
                                           version: .tls13, encryptThenMAC: false)
        let record = RFC8448.clientApplicationRecord
        #expect(throws: TLSRecordOpenError.authenticationFailed) { try decryptor.open(header: Array(record[0..<5]), fragment: record[5...]) }
    }

    @Test("a failed record leaves the sequence number alone")
    func sequenceOnFailure() throws {
        var decryptor = TLSRecordDecryptor(suite: Self.suite, keys: TLS13KeySchedule.trafficKeys(secret: RFC8448.clientApplicationSecret, suite: Self.suite),
                                           version: .tls13, encryptThenMAC: false)
        var flipped = RFC8448.clientApplicationRecord
        flipped[30] ^= 0x80
        #expect(throws: TLSRecordOpenError.authenticationFailed) { try decryptor.open(header: Array(flipped[0..<5]), fragment: flipped[5...]) }
        #expect(decryptor.sequenceNumber == 0)
        let record = RFC8448.clientApplicationRecord
        #expect(try decryptor.open(header: Array(record[0..<5]), fragment: record[5...]).content == RFC8448.applicationPayload)
    }

    /// A TLS 1.3 record sealed with swift-crypto's AES-GCM under the RFC's client application keys:
    /// `content`, then the inner content type, then `padding` zeros.
    static func sealed(content: [UInt8], type: UInt8, padding: Int, sequenceNumber: UInt64) throws -> [UInt8] {
        let inner = content + [type] + [UInt8](repeating: 0, count: padding)
        let length = inner.count + 16
        let header: [UInt8] = [23, 3, 3, UInt8(length >> 8), UInt8(length & 0xFF)]
        var nonce = RFC8448.clientApplicationIV
        for index in 0..<8 { nonce[4 + index] ^= UInt8(truncatingIfNeeded: sequenceNumber >> (56 - 8 * index)) }
        let box = try AES.GCM.seal(inner, using: SymmetricKey(data: RFC8448.clientApplicationKey),
                                   nonce: AES.GCM.Nonce(data: nonce), authenticating: header)
        return header + Array(box.ciphertext) + Array(box.tag)
    }

    @Test("zero padding after the content type is removed; an all-zero inner plaintext has no type")
    func padding() throws {
        var decryptor = TLSRecordDecryptor(suite: Self.suite, keys: TLS13KeySchedule.trafficKeys(secret: RFC8448.clientApplicationSecret, suite: Self.suite),
                                           version: .tls13, encryptThenMAC: false)
        let cases: [([UInt8], UInt8, Int)] = [(Array("<r/>".utf8), 23, 100), ([1, 0, 0], 21, 3), ([], 23, 0), (Array("x".utf8), 22, 1)]
        for (content, type, padding) in cases {
            let record = try Self.sealed(content: content, type: type, padding: padding, sequenceNumber: decryptor.sequenceNumber)
            let opened = try decryptor.open(header: Array(record[0..<5]), fragment: record[5...])
            #expect(opened.contentType == type && opened.content == content, "\(content) \(type) \(padding)")
        }
        let zeros = try Self.sealed(content: [], type: 0, padding: 30, sequenceNumber: decryptor.sequenceNumber)
        #expect(throws: TLSRecordOpenError.noContentType) { try decryptor.open(header: Array(zeros[0..<5]), fragment: zeros[5...]) }
        let long = try Self.sealed(content: [UInt8](repeating: 0x61, count: 16_384), type: 23, padding: 1, sequenceNumber: decryptor.sequenceNumber)
        #expect(throws: TLSRecordOpenError.plaintextTooLong) { try decryptor.open(header: Array(long[0..<5]), fragment: long[5...]) }
        let longest = try Self.sealed(content: [UInt8](repeating: 0x61, count: 16_384), type: 23, padding: 0, sequenceNumber: decryptor.sequenceNumber)
        #expect(try decryptor.open(header: Array(longest[0..<5]), fragment: longest[5...]).content.count == 16_384)
    }

    // Expected values below were computed independently with Python's `cryptography` 48.0.0
    // (HKDFExpand with a hand-built HkdfLabel, hashes.Hash for Transcript-Hash("")):
    //   expand_label(s, l, c, n) = HKDFExpand(h, n, info=n.to_bytes(2) + len("tls13 "+l) + "tls13 "+l + len(c) + c).derive(s)

    @Test("KeyUpdate: the next traffic secret (\"traffic upd\")")
    func keyUpdate() {
        #expect(TLS13KeySchedule.nextTrafficSecret(RFC8448.serverApplicationSecret, hash: .sha256)
                == hex("51921b8aa3001976eb401d0a4319a8516416a6c56001a357e5d162031e84f916"))
        let secret48 = (0..<48).map { UInt8($0) }
        #expect(TLS13KeySchedule.nextTrafficSecret(secret48, hash: .sha384) == hex("""
            401331b63e9d59f202e8f041042d9516f4cd7fa2e2ee14631d3b49fc340d7af37fc2c0c9f252d8036f81ec5b85cbe5db
            """))
    }

    @Test("SHA-384 suites: 32-byte keys and 12-byte IVs from HKDF-SHA-384")
    func sha384Keys() throws {
        let suite = try #require(TLSCipherSuite.suite(id: 0x1302))
        let keys = TLS13KeySchedule.trafficKeys(secret: (0..<48).map { UInt8($0) }, suite: suite)
        #expect(keys.key == hex("6877d022f1c61d24ebb7487c16752d9a4798e40431c75b39320e537c90e23225"))
        #expect(keys.iv == hex("42822531a0fe88648fc09e9f"))
    }

    // Real sessions between `openssl s_server` and `openssl s_client -keylogfile keys.txt
    // -keymatexport EXPORTER-Channel-Binding -keymatexportlen 32` (OpenSSL 3.0.19, loopback):
    // the EXPORTER_SECRET the key log held, and the keying material OpenSSL exported.
    @Test("RFC 9266 tls-exporter matches OpenSSL's exported keying material (SHA-384 and SHA-256 suites)")
    func exporterMatchesOpenSSL() {
        #expect(TLS13KeySchedule.exporter(
            exporterSecret: hex("fb59aa234ff9491e286317d8dc7e1125cd3365b65df8d8b0ff575a83a812d7e996f496e47ca2cacecce450378e99bdd0"),
            label: "EXPORTER-Channel-Binding", context: [], length: 32, hash: .sha384)  // TLS_AES_256_GCM_SHA384
            == hex("9E094403D43826B998C5EC1878DAAE385D7EE65A9F76DB8908BB5E9800AD07DC"))
        #expect(TLS13KeySchedule.exporter(
            exporterSecret: hex("ba07ca4f6dcca07cf37ed328cd2665c42ceb5f15556a57fcf9ec5e9631a454d1"),
            label: "EXPORTER-Channel-Binding", context: [], length: 32, hash: .sha256)  // TLS_CHACHA20_POLY1305_SHA256
            == hex("6A6578EB55D65E0FCB37AC7B5AA03AD7127695C314B9FA61C22348F945F5E9C5"))
    }

    @Test("the exporter: RFC 9266 tls-exporter from RFC 8448's exporter master secret, and a context")
    func exporter() {
        #expect(TLS13KeySchedule.exporter(exporterSecret: RFC8448.exporterMasterSecret, label: "EXPORTER-Channel-Binding",
                                          context: [], length: 32, hash: .sha256)
                == hex("e3b0946bf2f4668144f22872e0afd51dc9608638c6f9b2584b98c6cd3a4affad"))
        #expect(TLS13KeySchedule.exporter(exporterSecret: RFC8448.exporterMasterSecret, label: "EXPORTER-xmppscope-test",
                                          context: Array("context".utf8), length: 20, hash: .sha256)
                == hex("eddbfd8f8655fd428ef06f792cfe949660116323"))
        #expect(TLS13KeySchedule.exporter(exporterSecret: (0..<48).map { UInt8($0) }, label: "EXPORTER-Channel-Binding",
                                          context: [], length: 32, hash: .sha384)
                == hex("611c8f80782a86df99c005b09cafa11d5c3ef90ffcfbaa44cd1eda33d03ccdee"))
    }
}
