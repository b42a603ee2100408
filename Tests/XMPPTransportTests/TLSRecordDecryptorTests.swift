import Crypto
import Testing
@testable import XMPPTransport

@Suite("TLS 1.2 CBC records (built with swift-crypto's HMAC and AES-CBC)")
struct TLSRecordDecryptorTests {
    struct Case: Sendable, CustomStringConvertible {
        var suiteID: UInt16
        var mac: TLSMACAlgorithm
        var encryptThenMAC: Bool
        var description: String { "\(TLSCipherSuite.name(id: suiteID))\(encryptThenMAC ? " encrypt-then-MAC" : "")" }
    }

    static let cases = [
        Case(suiteID: 0xC013, mac: .sha1, encryptThenMAC: false),
        Case(suiteID: 0xC014, mac: .sha1, encryptThenMAC: true),
        Case(suiteID: 0xC027, mac: .sha256, encryptThenMAC: true),
        Case(suiteID: 0x003C, mac: .sha256, encryptThenMAC: false),
        Case(suiteID: 0xC028, mac: .sha384, encryptThenMAC: false),
        Case(suiteID: 0xC024, mac: .sha384, encryptThenMAC: true),
    ]

    /// A sealer and a decryptor sharing keys derived from a made-up master secret.
    static func pair(_ testCase: Case) throws -> (CBCRecordSealer, TLSRecordDecryptor) {
        let suite = try #require(TLSCipherSuite.suite(id: testCase.suiteID))
        let keys = TLS12KeyDerivation.keys(masterSecret: [UInt8](repeating: 7, count: 48), clientRandom: [UInt8](repeating: 1, count: 32),
                                           serverRandom: [UInt8](repeating: 2, count: 32), suite: suite).client
        #expect(keys.iv.isEmpty && keys.key.count == suite.keyLength)
        let sealer = CBCRecordSealer(mac: testCase.mac, key: keys.key, macKey: keys.macKey, encryptThenMAC: testCase.encryptThenMAC)
        let decryptor = TLSRecordDecryptor(suite: suite, keys: keys, version: .tls12, encryptThenMAC: testCase.encryptThenMAC)
        return (sealer, decryptor)
    }

    static let iv = (0..<16).map { UInt8($0 * 17) }

    @Test("records of several lengths open in sequence, padding of any allowed length removed", arguments: cases)
    func roundTrip(testCase: Case) throws {
        var (sealer, decryptor) = try Self.pair(testCase)
        for (index, length) in [0, 1, 15, 16, 17, 100, 16_384].enumerated() {
            let content = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
            let record = try sealer.seal(type: index == 0 ? 22 : 23, content: content, iv: Self.iv, extraPadding: index % 3)
            let opened = try decryptor.open(header: record.header, fragment: record.fragment[...])
            #expect(opened.contentType == (index == 0 ? 22 : 23), "\(testCase) record \(index)")
            #expect(opened.content == content, "\(testCase) record \(index)")
            #expect(decryptor.sequenceNumber == UInt64(index + 1))
        }
    }

    @Test("the MAC covers the header's version: a TLS 1.1 record (0x0302) opens, and one relabelled 1.2 does not", arguments: cases)
    func version(testCase: Case) throws {
        var (sealer, decryptor) = try Self.pair(testCase)
        sealer.version = [0x03, 0x02]
        let record = try sealer.seal(content: Array("<presence/>".utf8), iv: Self.iv)
        #expect(record.header[1...2] == [0x03, 0x02])
        var relabelled = record.header
        relabelled[2] = 0x03
        #expect(throws: TLSRecordOpenError.authenticationFailed) { try decryptor.open(header: relabelled, fragment: record.fragment[...]) }
        #expect(try decryptor.open(header: record.header, fragment: record.fragment[...]).content == Array("<presence/>".utf8))
    }

    @Test("the fragment may be a slice of a larger buffer", arguments: cases.prefix(2))
    func slice(testCase: Case) throws {
        var (sealer, decryptor) = try Self.pair(testCase)
        let record = try sealer.seal(content: Array("<message/>".utf8), iv: Self.iv)
        let buffer = [0xEE, 0xEE, 0xEE] + record.header + record.fragment + [0xEE]
        let opened = try decryptor.open(header: Array(buffer[3..<8]), fragment: buffer[8..<(buffer.count - 1)])
        #expect(opened.content == Array("<message/>".utf8))
    }

    @Test("a flipped byte anywhere fails: MAC-then-encrypt by MAC or padding, encrypt-then-MAC by MAC", arguments: cases)
    func tampering(testCase: Case) throws {
        var (sealer, decryptor) = try Self.pair(testCase)
        let record = try sealer.seal(content: Array(repeating: 0x41, count: 40), iv: Self.iv)
        for position in [0, 15, 16, 31, record.fragment.count - 17, record.fragment.count - 1] {
            var fragment = record.fragment
            fragment[position] ^= 0x01
            #expect(throws: TLSRecordOpenError.self, "\(testCase) byte \(position)") {
                try decryptor.open(header: record.header, fragment: fragment[...])
            }
            if testCase.encryptThenMAC {
                #expect(throws: TLSRecordOpenError.authenticationFailed) { try decryptor.open(header: record.header, fragment: fragment[...]) }
            }
        }
        // The last plaintext byte is the padding length: flipping it in the last block's IV
        // (the block before) makes the padding bad for MAC-then-encrypt.
        var padding = record.fragment
        padding[record.fragment.count - (testCase.encryptThenMAC ? 17 + testCase.mac.length : 17)] ^= 0x80
        #expect(throws: testCase.encryptThenMAC ? TLSRecordOpenError.authenticationFailed : .badPadding) {
            try decryptor.open(header: record.header, fragment: padding[...])
        }
        var type = record.header
        type[0] = 22  // the type is MACed
        #expect(throws: TLSRecordOpenError.authenticationFailed) { try decryptor.open(header: type, fragment: record.fragment[...]) }
        #expect(decryptor.sequenceNumber == 0)
        #expect(try decryptor.open(header: record.header, fragment: record.fragment[...]).content == Array(repeating: 0x41, count: 40))
    }

    @Test("padding bytes that differ from the padding length are bad padding, however the MAC is placed", arguments: cases)
    func badPadding(testCase: Case) throws {
        var (sealer, decryptor) = try Self.pair(testCase)
        for extra in [0, 2] {
            // 40 bytes of content leave at least 2 padding bytes with any of the MACs.
            let record = try sealer.seal(content: [UInt8](repeating: 0x42, count: 40), iv: Self.iv, extraPadding: extra, badPadding: true)
            #expect(throws: TLSRecordOpenError.badPadding, "\(testCase) extra \(extra)") {
                try decryptor.open(header: record.header, fragment: record.fragment[...])
            }
            decryptor.sequenceNumber += 1
        }
        // A ciphertext that is not a whole number of blocks (MAC right for encrypt-then-MAC).
        if testCase.encryptThenMAC {
            var unsealed = sealer
            unsealed.sequenceNumber = decryptor.sequenceNumber
            let record = try unsealed.seal(content: [UInt8](repeating: 1, count: 40), iv: Self.iv)
            var fragment = Array(record.fragment.dropLast(testCase.mac.length))
            fragment.removeLast(3)
            fragment += Self.hmacForTest(testCase, sequenceNumber: decryptor.sequenceNumber, macKey: sealer.macKey, encrypted: fragment)
            let header: [UInt8] = [23, 3, 3, UInt8(fragment.count >> 8), UInt8(fragment.count & 0xFF)]
            #expect(throws: TLSRecordOpenError.badPadding) { try decryptor.open(header: header, fragment: fragment[...]) }
        }
    }

    static func hmacForTest(_ testCase: Case, sequenceNumber: UInt64, macKey: [UInt8], encrypted: [UInt8]) -> [UInt8] {
        let pseudo = (0..<8).map { UInt8(truncatingIfNeeded: sequenceNumber >> (56 - 8 * $0)) } + [23, 3, 3, UInt8(encrypted.count >> 8), UInt8(encrypted.count & 0xFF)]
        let key = SymmetricKey(data: macKey)
        switch testCase.mac {
        case .sha1: return Array(HMAC<Insecure.SHA1>.authenticationCode(for: pseudo + encrypted, using: key))
        case .sha256: return Array(HMAC<SHA256>.authenticationCode(for: pseudo + encrypted, using: key))
        case .sha384: return Array(HMAC<SHA384>.authenticationCode(for: pseudo + encrypted, using: key))
        }
    }

    @Test("malformed lengths", arguments: cases)
    func lengths(testCase: Case) throws {
        var (sealer, decryptor) = try Self.pair(testCase)
        let record = try sealer.seal(content: [1, 2, 3], iv: Self.iv)
        #expect(throws: TLSRecordOpenError.tooShort) { try decryptor.open(header: record.header, fragment: record.fragment[0..<16]) }
        #expect(throws: TLSRecordOpenError.tooShort) { try decryptor.open(header: [23, 3, 3], fragment: record.fragment[...]) }
        let big = try sealer.seal(content: [UInt8](repeating: 0, count: 16_385), iv: Self.iv)
        decryptor.sequenceNumber = 1
        #expect(throws: TLSRecordOpenError.plaintextTooLong) { try decryptor.open(header: big.header, fragment: big.fragment[...]) }
    }
}

