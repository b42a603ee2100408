import Crypto
import Foundation
import Testing
@testable import XMPPTransport

/// The server certificate's facts, read without parsing its public key.
@Suite("TLS certificate facts")
struct TLSCertificateInfoTests {
    /// The DER of NIOSSLSession's throwaway RSA certificate.
    private func certificateDER() throws -> [UInt8] {
        let base64 = NIOSSLSession.certificatePEM.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        return try #require(Data(base64Encoded: base64).map { Array($0) })
    }

    @Test("subject, issuer, validity and the tls-server-end-point hash (SHA-256 for sha256WithRSAEncryption)")
    func facts() throws {
        let der = try certificateDER()
        let info = try #require(TLSCertificateInfo(der: der))
        #expect(info.subject == "CN=xmppscope-test.invalid")
        #expect(info.issuer == "CN=xmppscope-test.invalid")
        #expect(info.notBefore == "2026-12-03T21:04:38Z")
        #expect(info.notAfter == "2126-11-09T21:04:38Z")
        #expect(info.endPointHash == Array(SHA256.hash(data: der)))
    }

    @Test("a certificate whose RSA modulus is even (a key the key parser would refuse) still gives its facts, no crash")
    func damagedKey() throws {
        var der = try certificateDER()
        // The modulus's last byte sits just before the public exponent, INTEGER 65537 (02 03 01 00 01).
        let exponent: [UInt8] = [0x02, 0x03, 0x01, 0x00, 0x01]
        let at = try #require((0...(der.count - exponent.count)).first { Array(der[$0..<($0 + exponent.count)]) == exponent })
        der[at - 1] &= 0xFE
        let info = try #require(TLSCertificateInfo(der: der))
        #expect(info.subject == "CN=xmppscope-test.invalid")
        #expect(TLSCertificateInfo(der: Array(der.prefix(100))) == nil)
    }
}
