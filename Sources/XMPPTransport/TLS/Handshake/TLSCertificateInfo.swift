import X509
import Crypto
import Foundation

/// The server certificate of a TLS session, as far as an inspector shows it: who it names, who
/// signed it, when it is valid. TLS 1.2 sends it in the clear; TLS 1.3 after decryption.
public struct TLSCertificateInfo: Sendable, Hashable {
    /// RFC 4514 strings, e.g. `CN=example.org`.
    public var subject: String
    public var issuer: String
    /// ISO 8601, UTC.
    public var notBefore: String
    public var notAfter: String
    /// The leaf certificate's DER.
    public var der: [UInt8]
    /// RFC 5929 `tls-server-end-point`: the certificate's hash under its signature's hash
    /// function (SHA-256 for MD5 and SHA-1).
    public var endPointHash: [UInt8]

    /// Reads the leaf of a Certificate message body; nil if there is none or it does not parse.
    /// TLS 1.3 bodies carry a request context and per-certificate extensions (RFC 8446 §4.4.2).
    init?(certificateMessageBody body: [UInt8], tls13: Bool) {
        var cursor = TLSByteCursor(body)
        if tls13 { guard cursor.vector(lengthBytes: 1) != nil else { return nil } }
        guard let list = cursor.vector(lengthBytes: 3) else { return nil }
        var entries = TLSByteCursor(list)
        guard let leaf = entries.vector(lengthBytes: 3), !leaf.isEmpty else { return nil }
        self.init(der: Array(leaf))
    }

    init?(der: [UInt8]) {
        guard let certificate = try? Certificate(derEncoded: der) else { return nil }
        subject = String(describing: certificate.subject)
        issuer = String(describing: certificate.issuer)
        let format = Date.ISO8601FormatStyle()
        notBefore = certificate.notValidBefore.formatted(format)
        notAfter = certificate.notValidAfter.formatted(format)
        self.der = der
        switch certificate.signatureAlgorithm {
        case .sha384WithRSAEncryption, .ecdsaWithSHA384: endPointHash = Array(SHA384.hash(data: der))
        case .sha512WithRSAEncryption, .ecdsaWithSHA512: endPointHash = Array(SHA512.hash(data: der))
        default: endPointHash = Array(SHA256.hash(data: der))
        }
    }
}
