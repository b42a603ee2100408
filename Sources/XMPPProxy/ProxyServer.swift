public import NIOCore
import NIOPosix
import NIOSSL
import X509
import Logging
import XMPPCore
import XMPPCapture
public import XMPPInspect
import Foundation

/// A TCP proxy between XMPP clients and one server: one upstream connection per client, bytes
/// relayed exactly both ways (with back-pressure and half-close), both directions tapped into
/// the inspector under one connection number. TLS is relayed untouched for now (STARTTLS is
/// decoded up to `<proceed/>`, then reported as TLS).
public final class ProxyServer: @unchecked Sendable {
    /// Where to listen and where to connect.
    public struct Configuration: Sendable {
        public var listenHost: String
        public var listenPort: Int
        public var upstreamHost: String
        public var upstreamPort: Int
        public var inspector: InspectorOptions
        /// Terminate STARTTLS on both legs (needs `authority`), or relay TLS untouched.
        public var interceptsTLS: Bool
        public var authority: CertificateAuthority?
        /// How the server's certificate is checked.
        public var upstreamTrust: UpstreamTrust
        /// Keep `-PLUS` mechanisms and channel-binding offers.
        public var keepsChannelBinding: Bool

        public init(listenHost: String = "127.0.0.1", listenPort: Int, upstreamHost: String, upstreamPort: Int = 5222,
                    inspector: InspectorOptions = InspectorOptions(), interceptsTLS: Bool = false,
                    authority: CertificateAuthority? = nil, upstreamTrust: UpstreamTrust = .system,
                    keepsChannelBinding: Bool = false) {
            self.listenHost = listenHost
            self.listenPort = listenPort
            self.upstreamHost = upstreamHost
            self.upstreamPort = upstreamPort
            self.inspector = inspector
            self.interceptsTLS = interceptsTLS
            self.authority = authority
            self.upstreamTrust = upstreamTrust
            self.keepsChannelBinding = keepsChannelBinding
            self.inspector.tlsTerminated = interceptsTLS
        }
    }

    /// How the proxy checks the upstream server's certificate.
    public enum UpstreamTrust: Sendable {
        /// The system trust store.
        case system
        /// This CA file (PEM), e.g. a test server's self-signed certificate.
        case file(String)
        /// No check at all (`--insecure`).
        case insecure
    }

    public let configuration: Configuration
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var serverChannel: (any Channel)?
    /// The inspector and connection numbers, used on the one event loop only.
    private let state: NIOLoopBound<ProxyState>

    /// `sink` receives every record, on the proxy's event loop thread.
    public init(configuration: Configuration, sink: @escaping (Record) -> Void) {
        self.configuration = configuration
        let loop = group.next()
        // Built here, used only on `loop` from now on: hand it over once, then bind it there.
        let transfer = TransferOnce(ProxyState(inspector: Inspector(options: configuration.inspector, sink: sink)))
        state = try! loop.submit { NIOLoopBound(transfer.value, eventLoop: loop) }.wait()
    }

    /// Binds the listening socket; returns the address it listens on.
    public func start() throws -> SocketAddress {
        let configuration = self.configuration
        let state = self.state
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .childChannelOption(ChannelOptions.autoRead, value: false)
            .childChannelInitializer { client in
                client.eventLoop.makeCompletedFuture {
                    ProxyServer.accepted(client, configuration: configuration, state: state)
                }
            }
        let channel = try bootstrap.bind(host: configuration.listenHost, port: configuration.listenPort).wait()
        serverChannel = channel
        return channel.localAddress!
    }

    /// Stops accepting, closes every connection, and reports them closed.
    public func stop() {
        let state = self.state
        try? serverChannel?.close().wait()
        try? state.eventLoop.submit {
            for channel in state.value.open.values { channel.close(promise: nil) }
        }.wait()
        connectionsAtStop = (try? state.eventLoop.submit { () -> [ConnectionDescription] in
            state.value.inspector.finishAll(at: Timestamp.now())
            return state.value.inspector.connections
        }.wait()) ?? []
        try? group.syncShutdownGracefully()
    }

    /// Every connection the proxy served, once it has stopped.
    public private(set) var connectionsAtStop: [ConnectionDescription] = []

    /// A client connected: connect upstream, then relay. Runs on the client's event loop.
    private static func accepted(_ client: any Channel, configuration: Configuration, state: NIOLoopBound<ProxyState>) {
        let proxy = state.value
        let id = proxy.nextID
        proxy.nextID += 1
        proxy.open[id] = client
        proxy.inspector.connectionOpened(TCPConnectionInfo(
            id: id, client: Endpoint(client.remoteAddress), server: Endpoint(host: configuration.upstreamHost, port: configuration.upstreamPort),
            sawHandshake: true, firstPacket: 0, openedAt: Timestamp.now()
        ))
        let connection = NIOLoopBound(
            ProxyConnection(id: id, state: state, configuration: configuration, client: client), eventLoop: client.eventLoop
        )
        proxy.connections[id] = connection.value  // owned until both channels close
        try! client.pipeline.syncOperations.addHandler(connection.value.clientSide)

        ClientBootstrap(group: client.eventLoop)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .channelInitializer { upstream in
                upstream.eventLoop.makeCompletedFuture {
                    let pair = connection.value
                    try upstream.pipeline.syncOperations.addHandler(pair.serverSide)
                    RelayHandler.pair(pair.clientSide, pair.serverSide)
                    pair.upstream = upstream
                }
            }
            .connect(host: configuration.upstreamHost, port: configuration.upstreamPort)
            .whenComplete { result in
                switch result {
                case .success:
                    client.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in client.read() }
                case .failure where !client.isActive:
                    // The client left while we connected (its close closed the upstream attempt).
                    connection.value.upstreamNeverOpened()
                case .failure(let error):
                    // Tell the client properly (RFC 6120 §4.9), and show it in the output.
                    let unknownHost = "\(error)".contains("resolve") || "\(error)".contains("NXDOMAIN")
                    let text = "xmppscope could not reach \(configuration.upstreamHost):\(configuration.upstreamPort): \(error)"
                    let bytes = StreamErrorReply.bytes(condition: unknownHost ? "host-unknown" : "remote-connection-failed", text: text)
                    var buffer = client.allocator.buffer(capacity: bytes.count)
                    buffer.writeBytes(bytes)
                    connection.value.upstreamFailed(reply: buffer)
                    // Close gracefully: read (and show) what the client sent, half-close, and let the
                    // client close; a close with unread input would reach it as a reset, maybe before the error.
                    client.writeAndFlush(buffer).whenComplete { _ in
                        client.close(mode: .output, promise: nil)
                        client.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in client.read() }
                        client.eventLoop.scheduleTask(in: .seconds(5)) { client.close(promise: nil) }
                    }
                }
            }
    }
}

/// One proxied connection: its two relay handlers, tapped into the inspector, and how many of
/// its two channels have closed. Lives on the connection's event loop.
final class ProxyConnection {
    let id: Int
    let clientSide: RelayHandler
    let serverSide: RelayHandler
    let client: any Channel
    var upstream: (any Channel)?
    private var closed = 0
    private let state: NIOLoopBound<ProxyState>
    private let configuration: ProxyServer.Configuration
    /// The proxy's own view of the session (what to do at STARTTLS), fed with what the
    /// inspector decodes.
    private var phases: StreamPhaseMachine

    init(id: Int, state: NIOLoopBound<ProxyState>, configuration: ProxyServer.Configuration, client: any Channel) {
        self.id = id
        self.state = state
        self.configuration = configuration
        self.client = client
        phases = StreamPhaseMachine(keepsChannelBinding: configuration.keepsChannelBinding)
        var closing: () -> Void = {}
        clientSide = RelayHandler(tap: { buffer in ProxyConnection.tap(buffer, id, .c2s, state) }, onClose: { closing() })
        serverSide = RelayHandler(tap: { buffer in ProxyConnection.tap(buffer, id, .s2c, state) }, onClose: { closing() })
        closing = { [unowned self] in self.channelClosed() }
        serverSide.onError = { [unowned self] error in self.upstreamError(error) }
        clientSide.onError = { error in
            let hint = error is NIOSSLError ? " — does the client trust the xmppscope CA? ('xmppscope ca export --pem ca.pem')" : ""
            ProxyConnection.logger.error("conn \(id): the client's side failed: \(error)\(hint)")
        }
    }

    static let logger = Logger(label: "xmppscope.proxy")

    /// The server's side failed (TLS verification, say): tell the user how to fix it, and the
    /// client with a stream error (RFC 6120 §4.9) before its connection closes.
    private func upstreamError(_ error: any Error) {
        var hint = ""
        if error is NIOSSLError || "\(error)".contains("CERTIFICATE") || "\(error)".contains("certificate") {
            hint = " — the server's certificate did not verify: give its CA with --upstream-ca FILE (a test server's self-signed certificate, say), or --insecure"
        }
        ProxyConnection.logger.error("conn \(id): TLS to the server failed: \(error)\(hint)")
        let reply = StreamErrorReply.bytes(condition: "remote-connection-failed",
                                           text: "xmppscope could not set up TLS with the server: \(error)")
        var buffer = client.allocator.buffer(capacity: reply.count)
        buffer.writeBytes(reply)
        ProxyConnection.tap(buffer, id, .s2c, state)
        clientSide.send(reply)
    }

    /// Follows the session, as the inspector decodes it, to act at STARTTLS. Called during the
    /// tap of a read, so a switch is set up before that read is relayed.
    func observe(_ direction: Direction, _ event: FramerEvent) {
        guard configuration.interceptsTLS else { return }
        var actions: [StreamPhaseAction] = []
        switch event {
        case .streamOpened(let header) where direction == .c2s:
            actions = phases.clientOpened(header)
        case .element(let framed):
            // The machine reads inside <auth/>, <features/> and the bind result; a lean log
            // framing keeps only the top of each element, so those few are built whole.
            var element = framed.element
            if ["auth", "features"].contains(element.name) || (element.name == "iq" && !phases.isBound) {
                element = framed.completeElement()
            }
            actions = direction == .c2s ? phases.fromClient(element) : phases.fromServer(element)
        default:
            break
        }
        for case .startTLS(let serverName) in actions {
            // Relay <proceed/> in the clear first, then both legs switch.
            serverSide.afterThisRelay = { [unowned self] in self.startTLS(serverName: serverName) }
        }
    }

    /// Terminates TLS on both legs: towards the client with a leaf for the domain signed by our
    /// CA, towards the server as a client verifying its certificate (SNI = the stream's domain).
    private func startTLS(serverName: String?) {
        guard let upstream, let authority = configuration.authority else { return }
        let domain = serverName ?? configuration.upstreamHost
        do {
            let (leaf, key) = try state.value.leaf(for: domain, authority: authority)
            var serverConfiguration = TLSConfiguration.makeServerConfiguration(
                certificateChain: [.certificate(leaf)], privateKey: .privateKey(key)
            )
            serverConfiguration.minimumTLSVersion = .tlsv12
            let clientTLS = try NIOSSLServerHandler(context: NIOSSLContext(configuration: serverConfiguration))

            var upstreamConfiguration = TLSConfiguration.makeClientConfiguration()
            switch configuration.upstreamTrust {
            case .system: break
            case .file(let path): upstreamConfiguration.trustRoots = .file(path)
            case .insecure: upstreamConfiguration.certificateVerification = .none
            }
            let upstreamTLS = try NIOSSLClientHandler(context: NIOSSLContext(configuration: upstreamConfiguration), serverHostname: domain)
            try client.pipeline.syncOperations.addHandler(clientTLS, position: .first)
            try upstream.pipeline.syncOperations.addHandler(upstreamTLS, position: .first)
        } catch {
            client.close(promise: nil)
        }
    }

    static func tap(_ buffer: ByteBuffer, _ id: Int, _ direction: Direction, _ state: NIOLoopBound<ProxyState>) {
        buffer.withUnsafeReadableBytes { bytes in
            state.value.inspector.connection(id, received: bytes, direction: direction, at: Timestamp.now())
        }
    }

    /// The upstream could not be reached: the reply goes to the client and into the output.
    func upstreamFailed(reply: ByteBuffer) {
        ProxyConnection.tap(reply, id, .s2c, state)
        channelClosed()  // no upstream channel will close
    }

    /// The upstream attempt was abandoned because the client left: nothing to say to anyone.
    func upstreamNeverOpened() {
        channelClosed()
    }

    private func channelClosed() {
        closed += 1
        guard closed == 2 else { return }
        state.value.open[id] = nil
        state.value.inspector.connectionClosed(id, reason: .fin, at: Timestamp.now())
        state.value.connections[id] = nil
    }
}

/// Carries a value to the event loop that owns it from then on (the only hop it makes).
private struct TransferOnce<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// What the proxy keeps on its event loop.
final class ProxyState {
    let inspector: Inspector
    var nextID = 0
    var open: [Int: any Channel] = [:]
    var connections: [Int: ProxyConnection] = [:]
    /// Leaf certificates by domain, issued once.
    private var leaves: [String: (NIOSSLCertificate, NIOSSLPrivateKey)] = [:]
    init(inspector: Inspector) {
        self.inspector = inspector
        inspector.framingObserver = { [unowned self] id, direction, event in
            self.connections[id]?.observe(direction, event)
        }
    }

    func leaf(for domain: String, authority: CertificateAuthority) throws -> (NIOSSLCertificate, NIOSSLPrivateKey) {
        if let leaf = leaves[domain] { return leaf }
        let (certificate, key) = try authority.issueLeaf(for: domain)
        let leaf = (try NIOSSLCertificate(bytes: Array(certificate.serializeAsPEM().pemString.utf8), format: .pem),
                    try NIOSSLPrivateKey(bytes: Array(key.serializeAsPEM().pemString.utf8), format: .pem))
        leaves[domain] = leaf
        return leaf
    }
}

/// The stream header and stream error sent to a client when the proxy cannot serve it.
enum StreamErrorReply {
    static func bytes(condition: String, text: String) -> [UInt8] {
        let header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
        let error = "<stream:error><\(condition) xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
            + "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>\(text.escapedForXMLText)</text></stream:error></stream:stream>"
        return Array((header + error).utf8)
    }
}

extension Endpoint {
    /// A NIO socket address as an endpoint (0.0.0.0:0 when unknown).
    init(_ address: SocketAddress?) {
        switch address {
        case .v4(let v4)?:
            self.init(address: .v4(UInt32(bigEndian: v4.address.sin_addr.s_addr)), port: UInt16(address?.port ?? 0))
        case .v6(let v6)?:
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            self.init(address: .v6(high, low), port: UInt16(address?.port ?? 0))
        default:
            self.init(address: .v4(0), port: 0)
        }
    }

    /// An upstream given by name: its address when it is a literal IPv4 one.
    init(host: String, port: Int) {
        let parts = host.split(separator: ".").compactMap { UInt32($0) }
        let value = parts.count == 4 && parts.allSatisfy { $0 < 256 } ? parts.reduce(0) { $0 << 8 | $1 } : 0
        self.init(address: .v4(value), port: UInt16(clamping: port))
    }
}
