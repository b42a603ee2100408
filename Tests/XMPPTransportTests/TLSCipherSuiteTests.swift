import Testing
@testable import XMPPTransport

@Suite("TLS cipher suites")
struct TLSCipherSuiteTests {
    @Test("the TLS 1.3 suites")
    func tls13() throws {
        let aes128 = try #require(TLSCipherSuite.suite(id: 0x1301))
        #expect(aes128.name == "TLS_AES_128_GCM_SHA256" && aes128.isTLS13)
        #expect(aes128.protection == .aesGCM && aes128.keyLength == 16 && aes128.hash == .sha256)
        let aes256 = try #require(TLSCipherSuite.suite(id: 0x1302))
        #expect(aes256.protection == .aesGCM && aes256.keyLength == 32 && aes256.hash == .sha384)
        let chacha = try #require(TLSCipherSuite.suite(id: 0x1303))
        #expect(chacha.protection == .chaCha20Poly1305 && chacha.keyLength == 32 && chacha.hash == .sha256)
        for ccm: UInt16 in [0x1304, 0x1305] {
            let suite = try #require(TLSCipherSuite.suite(id: ccm))
            #expect(suite.isTLS13 && suite.protection == nil && suite.keyLength == 0)
        }
    }

    @Test("TLS 1.2 suites: protection, key length and PRF hash follow the IANA name")
    func tls12() throws {
        let expected: [(UInt16, String, TLSRecordProtection, Int, TLSHash)] = [
            (0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", .aesCBC(mac: .sha1), 16, .sha256),
            (0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", .aesCBC(mac: .sha256), 32, .sha256),
            (0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", .aesGCM, 32, .sha384),
            (0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", .aesCBC(mac: .sha256), 16, .sha256),
            (0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", .chaCha20Poly1305, 32, .sha256),
            (0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", .aesCBC(mac: .sha1), 32, .sha256),
            (0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", .aesCBC(mac: .sha384), 32, .sha384),
            (0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", .aesGCM, 16, .sha256),
            (0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", .aesCBC(mac: .sha1), 16, .sha256),
            (0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", .aesCBC(mac: .sha384), 32, .sha384),
            (0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", .aesGCM, 32, .sha384),
            (0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", .chaCha20Poly1305, 32, .sha256),
        ]
        for (id, name, protection, keyLength, hash) in expected {
            let suite = try #require(TLSCipherSuite.suite(id: id))
            #expect(suite.id == id && suite.name == name && !suite.isTLS13, "\(name)")
            #expect(suite.protection == protection && suite.keyLength == keyLength && suite.hash == hash, "\(name)")
        }
    }

    @Test("every known suite is consistent with its own name")
    func consistency() {
        var decryptable = 0
        for id in UInt16.min...UInt16.max {
            guard let suite = TLSCipherSuite.suite(id: id) else { continue }
            #expect(suite.id == id)
            #expect(TLSCipherSuite.name(id: id) == suite.name)
            #expect(suite.hash == (suite.name.hasSuffix("_SHA384") ? .sha384 : .sha256), "\(suite.name)")
            guard let protection = suite.protection else { continue }
            decryptable += 1
            #expect(suite.keyLength == (suite.name.contains("AES_128") ? 16 : 32), "\(suite.name)")
            switch protection {
            case .aesGCM: #expect(suite.name.contains("_GCM_"), "\(suite.name)")
            case .chaCha20Poly1305: #expect(suite.name.contains("CHACHA20_POLY1305"), "\(suite.name)")
            case .aesCBC(let mac):
                #expect(suite.name.contains("_CBC_") && !suite.isTLS13, "\(suite.name)")
                let suffix = switch mac { case .sha1: "_SHA"; case .sha256: "_SHA256"; case .sha384: "_SHA384" }
                #expect(suite.name.hasSuffix(suffix), "\(suite.name)")
            }
        }
        #expect(decryptable == 3 + 6 + 7 + 7 + 7 + 6)
    }

    @Test("names: IANA names for known ids, hex for the rest")
    func names() {
        #expect(TLSCipherSuite.name(id: 0xC02F) == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
        #expect(TLSCipherSuite.name(id: 0x000A) == "TLS_RSA_WITH_3DES_EDE_CBC_SHA")
        #expect(TLSCipherSuite.suite(id: 0x000A)?.protection == nil)
        #expect(TLSCipherSuite.suite(id: 0x0A0A) == nil)
        #expect(TLSCipherSuite.name(id: 0x0A0A) == "0x0A0A")
        #expect(TLSCipherSuite.name(id: 0x00FE) == "0x00FE")
    }
}
