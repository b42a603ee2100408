import NIOCore
import NIOSSL

/// TLS on the web proxy's legs: towards the client with a leaf from the xmppscope CA for the
/// name the client asks for (SNI), towards the server verified as the TCP proxy verifies it.
enum WebTLS {
    /// The handler that serves TLS to a client; `shown` learns the certificate subject chosen.
    static func serverHandler(configuration: WebProxyConfiguration, state: ProxyState, eventLoop: any EventLoop,
                              shown: @escaping (String, String?) -> Void) throws -> NIOSSLServerHandler {
        guard let authority = configuration.authority else { throw WebProxyError.noAuthority }
        let fallback = configuration.defaultDomain
        let (leaf, key, _) = try state.leaf(for: fallback, authority: authority)
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(leaf)], privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        tls.shutdownTimeout = ProxyConnection.tlsShutdownTimeout
        tls.keyLogCallback = configuration.keyLog?.callback
        tls.applicationProtocols = ["http/1.1"]
        let bound = NIOLoopBound((state, shown), eventLoop: eventLoop)
        tls.sslContextCallback = { values, promise in
            // Runs on the connection's event loop, during the client's hello.
            let (state, shown) = bound.value
            var override = NIOSSLContextConfigurationOverride()
            do {
                let (leaf, key, subject) = try state.leaf(for: values.serverHostname ?? fallback, authority: authority)
                override.certificateChain = [.certificate(leaf)]
                override.privateKey = .privateKey(key)
                shown(subject, values.serverHostname)
                promise.succeed(override)
            } catch {
                promise.fail(error)
            }
        }
        return try NIOSSLServerHandler(context: NIOSSLContext(configuration: tls))
    }

    /// The handler that speaks TLS to the server (wss://, https://), with SNI unless the host is
    /// an address; one context per proxy.
    static func clientHandler(configuration: WebProxyConfiguration, state: ProxyState) throws -> NIOSSLClientHandler {
        let context = try state.upstreamContext(directTLS: false) {
            var tls = TLSConfiguration.makeClientConfiguration()
            switch configuration.upstreamTrust {
            case .system: break
            case .file(let path): tls.trustRoots = .file(path)
            case .insecure: tls.certificateVerification = .none
            }
            tls.applicationProtocols = ["http/1.1"]
            tls.shutdownTimeout = ProxyConnection.tlsShutdownTimeout
            tls.keyLogCallback = configuration.keyLog?.callback
            return try NIOSSLContext(configuration: tls)
        }
        let upstream = configuration.upstream
        return try NIOSSLClientHandler(context: context, serverHostname: upstream.hostIsAddress ? nil : upstream.host)
    }
}
