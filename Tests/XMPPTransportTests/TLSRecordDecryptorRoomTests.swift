import Crypto
import Testing
import struct Foundation.Data
@testable import XMPPTransport

/// The AEAD path lays each record out in a room the decryptor reuses: records that grow and
/// shrink, and copies of a decryptor that share the room, must each open to their own content.
@Suite("TLS 1.3 AEAD records through the decryptor's reused room (sealed with swift-crypto)")
struct TLSRecordDecryptorRoomTests {
    static let key = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 11 &+ 3) }
    static let iv = (0..<12).map { UInt8(truncatingIfNeeded: $0 &* 29 &+ 5) }
    /// Lengths that grow past the room, shrink, and grow again, up to the largest fragment (9,000
    /// then 16,384: doubling the room would pass the largest record).
    static let lengths = [1, 300, 40, 9_000, 0, 16_384, 5_000, 16_384, 2]

    /// A TLS 1.3 record of `content` and `type` at `sequence`: nonce = iv XOR sequence, AAD = header.
    static func seal(_ content: [UInt8], type: UInt8, sequence: UInt64, suite: TLSCipherSuite) throws -> (header: [UInt8], fragment: [UInt8]) {
        var nonce = iv
        for index in 0..<8 { nonce[4 + index] ^= UInt8(truncatingIfNeeded: sequence >> (56 - 8 * index)) }
        let inner = content + [type]
        let length = inner.count + 16
        let header: [UInt8] = [23, 3, 3, UInt8(length >> 8), UInt8(length & 0xFF)]
        let key = SymmetricKey(data: Array(Self.key.prefix(suite.keyLength)))
        if suite.id == 0x1303 {
            let box = try ChaChaPoly.seal(inner, using: key, nonce: ChaChaPoly.Nonce(data: nonce), authenticating: header)
            return (header, Array(box.ciphertext) + Array(box.tag))
        }
        let box = try AES.GCM.seal(inner, using: key, nonce: AES.GCM.Nonce(data: nonce), authenticating: header)
        return (header, Array(box.ciphertext) + Array(box.tag))
    }

    static func content(_ length: Int, _ index: Int) -> [UInt8] {
        (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ index &* 7) }
    }

    static func decryptor(_ suite: TLSCipherSuite) -> TLSRecordDecryptor {
        TLSRecordDecryptor(suite: suite, keys: TLSTrafficKeys(key: Array(key.prefix(suite.keyLength)), iv: iv, macKey: []),
                           version: .tls13, encryptThenMAC: false)
    }

    @Test("records that grow and shrink each open to their content, in sequence", arguments: [0x1301, 0x1302, 0x1303] as [UInt16])
    func growAndShrink(id: UInt16) throws {
        let suite = try #require(TLSCipherSuite.suite(id: id))
        var decryptor = Self.decryptor(suite)
        var opened = 0
        for (index, length) in Self.lengths.enumerated() {
            let content = Self.content(length, index)
            let record = try Self.seal(content, type: 23, sequence: UInt64(index), suite: suite)
            let result = try decryptor.open(header: record.header, fragment: record.fragment[...])
            #expect(result.contentType == 23, "\(suite.name) record \(index)")
            #expect(result.content == content, "\(suite.name) record \(index) (\(length) bytes)")
            opened += 1
        }
        #expect(opened == Self.lengths.count)
        #expect(decryptor.sequenceNumber == UInt64(Self.lengths.count))
        // The largest record (16,384 bytes of content) filled the room to the bound, not past it.
        // 12-byte nonce, 16,384 bytes of content, the content type, the 16-byte tag.
        #expect(TLSRecordDecryptor.largestSealed == 12 + 16_384 + 1 + 16)
        #expect(decryptor.sealedRoom.bytes.count == TLSRecordDecryptor.largestSealed)
    }

    @Test("a copy shares the room: each opens the same records, alternately, and a tampered one fails without harming the next")
    func copiesShareTheRoom() throws {
        let suite = try #require(TLSCipherSuite.suite(id: 0x1301))
        var first = Self.decryptor(suite)
        let warmUp = try Self.seal(Self.content(16_384, 0), type: 23, sequence: 0, suite: suite)
        #expect(try first.open(header: warmUp.header, fragment: warmUp.fragment[...]).content == Self.content(16_384, 0))
        var second = first
        var opened = 0
        for (index, length) in Self.lengths.enumerated() {
            let sequence = UInt64(index + 1)
            let content = Self.content(length, index + 1)
            let record = try Self.seal(content, type: 23, sequence: sequence, suite: suite)
            let byFirst = try first.open(header: record.header, fragment: record.fragment[...])
            var tampered = record.fragment
            tampered[tampered.count / 2] ^= 0x80
            #expect(throws: TLSRecordOpenError.authenticationFailed) { try second.open(header: record.header, fragment: tampered[...]) }
            let bySecond = try second.open(header: record.header, fragment: record.fragment[...])
            #expect(byFirst.content == content && bySecond.content == content, "record \(index + 1) (\(length) bytes)")
            opened += 1
        }
        #expect(opened == Self.lengths.count)
        #expect(first.sequenceNumber == second.sequenceNumber)
    }
}
