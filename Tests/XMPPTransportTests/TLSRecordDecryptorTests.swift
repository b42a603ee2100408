import Testing
@testable import XMPPTransport

@Suite("TLS 1.2 CBC records (built with swift-crypto's HMAC and AES-CBC)")
struct TLSRecordDecryptorTests {
    struct Case: Sendable, CustomStringConvertible {
        var suiteID: UInt16
        var mac: CBCRecordSealer.TLSMACAlgorithmForTests
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
        padding[record.fragment.count - (testCase.encryptThenMAC ? 17 + testCase.macLength : 17)] ^= 0x80
        #expect(throws: testCase.encryptThenMAC ? TLSRecordOpenError.authenticationFailed : .badPadding) {
            try decryptor.open(header: record.header, fragment: padding[...])
        }
        var type = record.header
        type[0] = 22  // the type is MACed
        #expect(throws: TLSRecordOpenError.authenticationFailed) { try decryptor.open(header: type, fragment: record.fragment[...]) }
        #expect(decryptor.sequenceNumber == 0)
        #expect(try decryptor.open(header: record.header, fragment: record.fragment[...]).content == Array(repeating: 0x41, count: 40))
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

extension TLSRecordDecryptorTests.Case {
    var macLength: Int {
        switch mac { case .sha1: 20; case .sha256: 32; case .sha384: 48 }
    }
}
