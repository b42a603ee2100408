public import X509
import Crypto
import XMPPBase
public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why the CA could not be used.
public enum CertificateAuthorityError: Error, CustomStringConvertible {
    case cannotCreateDirectory(String, reason: String)
    case cannotWrite(String, reason: String)
    case unreadable(String, reason: String)
    case keyTooOpen(String, mode: String)

    public var description: String {
        switch self {
        case .cannotCreateDirectory(let path, let reason): return "cannot create \(path): \(reason)"
        case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
        case .unreadable(let path, let reason): return "cannot use \(path): \(reason); remove it and run 'xmppscope ca init' to make a new CA"
        case .keyTooOpen(let path, let mode):
            return "\(path) is readable by others (mode \(mode)); run 'chmod 600 \(path)' — the CA key signs certificates clients trust"
        }
    }
}

/// The xmppscope CA, like mitmproxy's: created on first use in `$XMPPSCOPE_HOME` (default
/// `~/.xmppscope`), its key written 0600. It signs a leaf certificate per XMPP domain for the
/// client leg of an intercepted TLS session; clients must trust `ca.pem`.
public struct CertificateAuthority: Sendable {
    public let certificate: Certificate
    let privateKey: Certificate.PrivateKey
    /// Where `ca.pem` and `ca-key.pem` live.
    public let directory: String

    public var certificatePath: String { directory + "/ca.pem" }
    public var keyPath: String { directory + "/ca-key.pem" }

    /// `XMPPScopeHome.directory`: `$XMPPSCOPE_HOME`, else `~/.xmppscope`.
    public static var defaultDirectory: String { XMPPScopeHome.directory }

    /// Loads the CA from `directory`, creating it (and the directory, 0700) when there is none.
    public static func loadOrCreate(in directory: String = defaultDirectory, now: Date = Date()) throws -> CertificateAuthority {
        let certificatePath = directory + "/ca.pem", keyPath = directory + "/ca-key.pem"
        if FileManager.default.fileExists(atPath: certificatePath) || FileManager.default.fileExists(atPath: keyPath) {
            return try load(from: directory)
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw CertificateAuthorityError.cannotCreateDirectory(directory, reason: "\(error)")
        }
        let key = P256.Signing.PrivateKey()
        let privateKey = Certificate.PrivateKey(key)
        let name = try DistinguishedName {
            CommonName("xmppscope CA")
            OrganizationName("xmppscope (local interception CA — trust only on test machines)")
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: privateKey.publicKey,
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(10 * 365 * 24 * 3600),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: privateKey.publicKey)
            },
            issuerPrivateKey: privateKey
        )
        try write(try privateKey.serializeAsPEM().pemString, to: keyPath, mode: 0o600)
        try write(try certificate.serializeAsPEM().pemString, to: certificatePath, mode: 0o644)
        return CertificateAuthority(certificate: certificate, privateKey: privateKey, directory: directory)
    }

    /// Loads an existing CA; refuses a key others can read.
    public static func load(from directory: String) throws -> CertificateAuthority {
        let certificatePath = directory + "/ca.pem", keyPath = directory + "/ca-key.pem"
        var status = stat()
        guard stat(keyPath, &status) == 0 else {
            throw CertificateAuthorityError.unreadable(keyPath, reason: "missing")
        }
        if status.st_mode & 0o077 != 0 {
            throw CertificateAuthorityError.keyTooOpen(keyPath, mode: String(status.st_mode & 0o777, radix: 8))
        }
        do {
            let certificate = try Certificate(pemEncoded: String(contentsOfFile: certificatePath, encoding: .utf8))
            let key = try Certificate.PrivateKey(pemEncoded: String(contentsOfFile: keyPath, encoding: .utf8))
            guard key.publicKey == certificate.publicKey else {
                throw CertificateAuthorityError.unreadable(keyPath, reason: "the key does not belong to ca.pem")
            }
            return CertificateAuthority(certificate: certificate, privateKey: key, directory: directory)
        } catch let error as CertificateAuthorityError {
            throw error
        } catch {
            throw CertificateAuthorityError.unreadable(certificatePath, reason: "\(error)")
        }
    }

    /// A leaf certificate for `domain` (its own fresh key), signed by this CA: what the proxy
    /// shows the client for that XMPP domain.
    public func issueLeaf(for domain: String, now: Date = Date()) throws -> (certificate: Certificate, key: Certificate.PrivateKey) {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let authority = self.certificate
        let authorityKeyIdentifier = try authority.extensions.subjectKeyIdentifier?.keyIdentifier
        let leaf = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: key.publicKey,
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(365 * 24 * 3600),
            issuer: authority.subject,
            subject: try DistinguishedName { CommonName(domain) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.dnsName(domain)])
                AuthorityKeyIdentifier(keyIdentifier: authorityKeyIdentifier)
            },
            issuerPrivateKey: privateKey
        )
        return (leaf, key)
    }

    /// `ca.pem` as text.
    public func certificatePEM() throws -> String { try certificate.serializeAsPEM().pemString }

    /// SHA-256 of the certificate's DER, as colon-separated hex (what clients show when asked to trust it).
    public func fingerprint() throws -> String {
        let der = try certificate.serializeAsPEM().derBytes
        return SHA256.hash(data: der).map { String(format: "%02X", $0) }.joined(separator: ":")
    }

    private static func write(_ text: String, to path: String, mode: mode_t) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw CertificateAuthorityError.cannotWrite(path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        fchmod(descriptor, mode)  // not widened by the umask, nor narrowed
        do {
            try FileDescriptorWriter.writeAll(descriptor, text)
        } catch {
            throw CertificateAuthorityError.cannotWrite(path, reason: "\(error)")
        }
    }
}
