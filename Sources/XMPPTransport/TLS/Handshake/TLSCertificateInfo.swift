import SwiftASN1
import X509
import Crypto

/// The server certificate of a TLS session, as far as an inspector shows it: who it names, who
/// signed it, when it is valid. TLS 1.2 sends it in the clear; TLS 1.3 after decryption.
///
/// Only those fields are read (with SwiftASN1; the names with swift-certificates'
/// `DistinguishedName`): the public key is never parsed, so a hostile certificate cannot reach
/// the key parsers (swift-crypto 3.12.3 aborts on some malformed RSA keys; Fuzz/corpus/known).
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
    /// function (SHA-256 for MD5 and SHA-1, and for algorithms whose hash is not named in their OID).
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

    /// RFC 5280 §4.1: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue },
    /// TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, validity, subject, … }.
    init?(der: [UInt8]) {
        guard let root = try? DER.parse(der), case .constructed(let certificate) = root.content else { return nil }
        var parts = certificate.makeIterator()
        guard let tbs = parts.next(), let signatureAlgorithm = parts.next(),
              case .constructed(let tbsFields) = tbs.content else { return nil }
        var fields = Array(tbsFields)
        if fields.first?.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) { fields.removeFirst() }
        guard fields.count >= 5,
              let issuer = try? DistinguishedName(derEncoded: fields[2]),
              let subject = try? DistinguishedName(derEncoded: fields[4]),
              case .constructed(let validity) = fields[3].content else { return nil }
        let times = Array(validity).compactMap(Self.time)
        guard times.count == 2 else { return nil }
        self.subject = String(describing: subject)
        self.issuer = String(describing: issuer)
        notBefore = times[0]
        notAfter = times[1]
        self.der = der
        endPointHash = Self.endPointHash(der, signatureAlgorithm: signatureAlgorithm)
    }

    /// A Time (UTCTime or GeneralizedTime) as `2026-12-05T21:08:56Z`.
    private static func time(_ node: ASN1Node) -> String? {
        let parts: (Int, Int, Int, Int, Int, Int)
        if let utc = try? UTCTime(derEncoded: node) {
            parts = (utc.year, utc.month, utc.day, utc.hours, utc.minutes, utc.seconds)
        } else if let generalized = try? GeneralizedTime(derEncoded: node) {
            parts = (generalized.year, generalized.month, generalized.day, generalized.hours, generalized.minutes, generalized.seconds)
        } else {
            return nil
        }
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.0)-\(two(parts.1))-\(two(parts.2))T\(two(parts.3)):\(two(parts.4)):\(two(parts.5))Z"
    }

    /// RFC 5929 §4.1: the hash of the certificate's signature algorithm; SHA-256 for MD5, SHA-1
    /// and anything else.
    private static func endPointHash(_ der: [UInt8], signatureAlgorithm: ASN1Node) -> [UInt8] {
        var oid = ""
        if case .constructed(let algorithm) = signatureAlgorithm.content, let first = Array(algorithm).first,
           let identifier = try? ASN1ObjectIdentifier(derEncoded: first) {
            oid = String(describing: identifier)
        }
        switch oid {
        case "1.2.840.113549.1.1.12", "1.2.840.10045.4.3.3": return Array(SHA384.hash(data: der))  // sha384WithRSA, ecdsa-with-SHA384
        case "1.2.840.113549.1.1.13", "1.2.840.10045.4.3.4": return Array(SHA512.hash(data: der))  // sha512WithRSA, ecdsa-with-SHA512
        default: return Array(SHA256.hash(data: der))
        }
    }
}
