import Foundation
import Testing
import X509
@testable import XMPPProxy

@Suite("Interception CA")
struct CertificateAuthorityTests {
    static func temporaryHome() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("xmppscope-ca-\(UUID().uuidString)").path
    }

    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test("created on first use: key 0600, folder 0700, certificate a CA")
    func created() throws {
        let home = Self.temporaryHome()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let authority = try CertificateAuthority.loadOrCreate(in: home)
        #expect(try mode(authority.keyPath) == 0o600)
        #expect(try mode(home) == 0o700)
        #expect(try authority.certificate.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
        let again = try CertificateAuthority.loadOrCreate(in: home)
        #expect(again.certificate == authority.certificate)
        #expect(try again.fingerprint() == authority.fingerprint())
        #expect(try authority.fingerprint().count == 32 * 3 - 1)
    }

    @Test("a leaf for a domain verifies against the CA and names the domain")
    func leafVerifies() async throws {
        let home = Self.temporaryHome()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let authority = try CertificateAuthority.loadOrCreate(in: home)
        let (leaf, key) = try authority.issueLeaf(for: "xmppscope.test")
        #expect(key.publicKey == leaf.publicKey)
        #expect(try leaf.extensions.subjectAlternativeNames == SubjectAlternativeNames([.dnsName("xmppscope.test")]))
        var verifier = Verifier(rootCertificates: CertificateStore([authority.certificate])) {
            RFC5280Policy()
        }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore())
        guard case .validCertificate(let chain) = result else {
            Issue.record("the leaf did not verify: \(result)")
            return
        }
        #expect(chain.last == authority.certificate)

        // A leaf from another CA does not.
        let other = try CertificateAuthority.loadOrCreate(in: Self.temporaryHome())
        let foreign = try other.issueLeaf(for: "xmppscope.test").certificate
        if case .validCertificate = await verifier.validate(leaf: foreign, intermediates: CertificateStore()) {
            Issue.record("a foreign leaf verified")
        }
        try? FileManager.default.removeItem(atPath: other.directory)
    }

    @Test("a key others can read is refused with the fix")
    func openKeyRefused() throws {
        let home = Self.temporaryHome()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let authority = try CertificateAuthority.loadOrCreate(in: home)
        chmod(authority.keyPath, 0o644)
        #expect {
            try CertificateAuthority.loadOrCreate(in: home)
        } throws: { error in
            "\(error)".contains("chmod 600")
        }
    }
}
