import Testing
@testable import XMPPTransport

@Suite("TLS 1.2 PRF and key block")
struct TLS12KeyDerivationTests {
    // The P_SHA256 and P_SHA384 vectors circulated on the IETF TLS list (msg03416) and used by many
    // TLS test suites; both re-checked here with OpenSSL 3's TLS1-PRF:
    //   openssl kdf -keylen 100 -kdfopt digest:SHA256 -kdfopt hexsecret:9bbe436ba940f017b17652849a71db35 \
    //     -kdfopt seed:"test label" -kdfopt hexseed:a0ba9f936cda311827a6f796ffd5198c TLS1-PRF
    @Test("P_SHA256 published vector")
    func sha256() {
        let output = TLS12KeyDerivation.prf(hash: .sha256, secret: hex("9bbe436ba940f017b17652849a71db35"), label: "test label",
                                            seed: hex("a0ba9f936cda311827a6f796ffd5198c"), length: 100)
        #expect(output == hex("""
            e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af
            0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701
            87347b66
            """))
    }

    @Test("P_SHA384 published vector")
    func sha384() {
        let output = TLS12KeyDerivation.prf(hash: .sha384, secret: hex("b80b733d6ceefcdc71566ea48e5567df"), label: "test label",
                                            seed: hex("cd665cf6a8447dd6ff8b27555edb7465"), length: 148)
        #expect(output == hex("""
            7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0
            e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425
            9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e099070
            3d73e56f
            """))
    }

    static let masterSecret = (0..<48).map { UInt8($0) }
    static let clientRandom = (0x40..<0x60).map { UInt8($0) }
    static let serverRandom = (0x80..<0xA0).map { UInt8($0) }

    // Key blocks from OpenSSL 3 (label "key expansion", seed server_random + client_random):
    //   openssl kdf -keylen 72 -kdfopt digest:SHA384 -kdfopt hexsecret:000102..2f -kdfopt seed:"key expansion" \
    //     -kdfopt hexseed:8081..9f4041..5f TLS1-PRF
    @Test("the key block is split client MAC, server MAC, client key, server key, client IV, server IV")
    func keyBlock() throws {
        let gcm = TLS12KeyDerivation.keys(masterSecret: Self.masterSecret, clientRandom: Self.clientRandom, serverRandom: Self.serverRandom,
                                          suite: try #require(TLSCipherSuite.suite(id: 0xC030)))
        let gcmBlock = hex("""
            c01fa61789f58022d722461abcb5df04cf985a08f0d461ab4d544db598b8531903c0472368c11f6751efc2d81d6b896d
            8db6be95536abb42a66b015259cf7264092ed6c52036945c
            """)
        #expect(gcm.client == TLSTrafficKeys(key: Array(gcmBlock[0..<32]), iv: Array(gcmBlock[64..<68]), macKey: []))
        #expect(gcm.server == TLSTrafficKeys(key: Array(gcmBlock[32..<64]), iv: Array(gcmBlock[68..<72]), macKey: []))

        let cbc = TLS12KeyDerivation.keys(masterSecret: Self.masterSecret, clientRandom: Self.clientRandom, serverRandom: Self.serverRandom,
                                          suite: try #require(TLSCipherSuite.suite(id: 0xC013)))
        let sha256Block = hex("""
            a1c8bdbce8830007e5719b5f9764ae0c42c3a103d08d01b711b292bfd1f332473e5667ef1f21ed64b616b533929f8e73
            7406938bbae4d1387dbb67a32bbfd03fe3f3a5e61a434e9c07de3b04218aeb811ebeced2da38d56b
            """)
        #expect(cbc.client == TLSTrafficKeys(key: Array(sha256Block[40..<56]), iv: [], macKey: Array(sha256Block[0..<20])))
        #expect(cbc.server == TLSTrafficKeys(key: Array(sha256Block[56..<72]), iv: [], macKey: Array(sha256Block[20..<40])))

        let chacha = TLS12KeyDerivation.keys(masterSecret: Self.masterSecret, clientRandom: Self.clientRandom, serverRandom: Self.serverRandom,
                                             suite: try #require(TLSCipherSuite.suite(id: 0xCCA8)))
        #expect(chacha.client == TLSTrafficKeys(key: Array(sha256Block[0..<32]), iv: Array(sha256Block[64..<76]), macKey: []))
        #expect(chacha.server == TLSTrafficKeys(key: Array(sha256Block[32..<64]), iv: Array(sha256Block[76..<88]), macKey: []))
    }
}
