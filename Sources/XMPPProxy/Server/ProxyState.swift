import NIOSSL
import X509

/// What the proxy keeps on its event loop.
final class ProxyState {
    /// Where every read and lifecycle record goes, in order (the inspector runs there).
    let inspection: InspectionThread
    /// Holds every relay's reads while the inspector is too far behind.
    let readGate = ReadGate()
    var nextID = 0
    var connections: [Int: ProxyConnection] = [:]
    /// Leaf certificates by domain, issued once, with their subjects.
    private var leaves: [String: (NIOSSLCertificate, NIOSSLPrivateKey, String)] = [:]
    init(inspection: InspectionThread) {
        self.inspection = inspection
    }

    private var upstreamContexts: [Bool: NIOSSLContext] = [:]

    /// The TLS client context for the server leg, made once per ALPN choice.
    func upstreamContext(directTLS: Bool, make: () throws -> NIOSSLContext) throws -> NIOSSLContext {
        if let context = upstreamContexts[directTLS] { return context }
        let context = try make()
        upstreamContexts[directTLS] = context
        return context
    }

    func leaf(for domain: String, authority: CertificateAuthority) throws -> (NIOSSLCertificate, NIOSSLPrivateKey, String) {
        if let leaf = leaves[domain] { return leaf }
        let (certificate, key) = try authority.issueLeaf(for: domain)
        let leaf = (try NIOSSLCertificate(bytes: Array(certificate.serializeAsPEM().pemString.utf8), format: .pem),
                    try NIOSSLPrivateKey(bytes: Array(key.serializeAsPEM().pemString.utf8), format: .pem),
                    certificate.subject.description)
        leaves[domain] = leaf
        return leaf
    }
}
