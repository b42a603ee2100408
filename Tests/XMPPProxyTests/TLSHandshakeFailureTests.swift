import Foundation
import NIOCore
import NIOEmbedded
import NIOSSL
import Testing
@testable import XMPPProxy

/// What NIOSSL really reports when a handshake fails, told apart by BoringSSL's error code.
@Suite("Why a TLS handshake failed")
struct TLSHandshakeFailureTests {
    /// A server for `xmppscope.test` with a leaf from a fresh CA; its CA's certificate.
    private func server(home: String) throws -> (TLSConfiguration, NIOSSLCertificate) {
        let authority = try CertificateAuthority.loadOrCreate(in: home)
        let (leaf, key) = try authority.issueLeaf(for: "xmppscope.test")
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(leaf.serializeAsPEM().pemString.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(key.serializeAsPEM().pemString.utf8), format: .pem))
        )
        tls.maximumTLSVersion = .tlsv12
        return (tls, try NIOSSLCertificate(bytes: Array(authority.certificatePEM().utf8), format: .pem))
    }

    /// Runs a handshake in memory; the first error the client's side saw, if any. (The channels
    /// are left open: closing would wait for a close_notify exchange nobody runs.)
    private func handshake(server: TLSConfiguration, client: TLSConfiguration) throws -> (any Error)? {
        let serverChannel = EmbeddedChannel()
        let clientChannel = EmbeddedChannel()
        try serverChannel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: NIOSSLContext(configuration: server)))
        try clientChannel.pipeline.syncOperations.addHandler(
            NIOSSLClientHandler(context: NIOSSLContext(configuration: client), serverHostname: "xmppscope.test"))
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 5222)
        serverChannel.pipeline.fireChannelActive()
        try clientChannel.connect(to: address).wait()
        for _ in 0..<20 {
            var moved = false
            while let bytes = try clientChannel.readOutbound(as: ByteBuffer.self) {
                moved = true
                _ = try? serverChannel.writeInbound(bytes)
            }
            while let bytes = try serverChannel.readOutbound(as: ByteBuffer.self) {
                moved = true
                do { try clientChannel.writeInbound(bytes) } catch { return error }
            }
            do { try clientChannel.throwIfErrorCaught() } catch { return error }
            if !moved { break }
        }
        return nil
    }

    @Test("a server certificate from a CA the client does not trust: certificate not verified")
    func untrusted() throws {
        let home = CertificateAuthorityTests.temporaryHome(), other = CertificateAuthorityTests.temporaryHome()
        defer {
            try? FileManager.default.removeItem(atPath: home)
            try? FileManager.default.removeItem(atPath: other)
        }
        let (serverTLS, ca) = try server(home: home)
        var client = TLSConfiguration.makeClientConfiguration()
        client.trustRoots = .certificates([ca])
        #expect(try handshake(server: serverTLS, client: client) == nil)  // the CA it was issued by: fine

        client.trustRoots = .certificates([try self.server(home: other).1])
        let error = try #require(try handshake(server: serverTLS, client: client))
        #expect(TLSHandshakeFailure(error) == .certificateNotVerified)
        #expect("\(error)".contains("CERTIFICATE_VERIFY_FAILED"))
    }

    @Test("a handshake failing for another reason (no common TLS version) is not about the certificate")
    func otherFailure() throws {
        let home = CertificateAuthorityTests.temporaryHome()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let (serverTLS, _) = try server(home: home)
        var client = TLSConfiguration.makeClientConfiguration()
        client.certificateVerification = .none
        client.minimumTLSVersion = .tlsv13
        let error = try #require(try handshake(server: serverTLS, client: client))
        #expect(TLSHandshakeFailure(error) == .other)
        #expect(TLSHandshakeFailure(NIOSSLError.uncleanShutdown) == nil)
    }
}
