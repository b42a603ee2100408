public import NIOCore
import NIOPosix
import NIOConcurrencyHelpers
import NIOSSL
import X509
import Logging
import XMPPCore
import XMPPCapture
public import XMPPInspect
import XMPPBase
public import XMPPTransport

/// A TCP proxy between XMPP clients and one server: one upstream connection per client, bytes
/// relayed exactly both ways (with back-pressure and half-close), both directions tapped into
/// the inspector under one connection number. With TLS interception it terminates STARTTLS or
/// direct TLS (XEP-0368) on both legs, so the whole session is decoded.
public final class ProxyServer: Sendable {
    /// A server address to connect to.
    public struct Upstream: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// Where to listen and where to connect.
    public struct Configuration: Sendable {
        public var listenHost: String
        public var listenPort: Int
        /// Tried in order until one accepts (SRV targets, say); at least one.
        public var upstreams: [Upstream]
        public var inspector: InspectorOptions
        /// Terminate TLS on both legs (needs `authority`), or relay it untouched.
        public var interceptsTLS: Bool
        /// Clients speak TLS from their first byte (XEP-0368), and so does the server.
        public var directTLS: Bool
        /// The XMPP domain: the certificate shown to a client that names none (SNI), and the
        /// SNI sent upstream for direct TLS when the client names none. Default: the upstream
        /// host when it is a name.
        public var serverName: String?
        public var authority: CertificateAuthority?
        /// How the server's certificate is checked.
        public var upstreamTrust: UpstreamTrust
        /// Keep `-PLUS` mechanisms and channel-binding offers.
        public var keepsChannelBinding: Bool
        /// Where the TLS secrets of both legs are written (`SSLKEYLOGFILE`), if anywhere.
        public var keyLog: KeyLog?

        public init(listenHost: String = "127.0.0.1", listenPort: Int, upstreams: [Upstream],
                    inspector: InspectorOptions = InspectorOptions(), interceptsTLS: Bool = false,
                    directTLS: Bool = false, serverName: String? = nil,
                    authority: CertificateAuthority? = nil, upstreamTrust: UpstreamTrust = .system,
                    keepsChannelBinding: Bool = false, keyLog: KeyLog? = nil) {
            precondition(!upstreams.isEmpty, "a proxy needs an upstream")
            self.keyLog = keyLog
            self.listenHost = listenHost
            self.listenPort = listenPort
            self.upstreams = upstreams
            self.inspector = inspector
            self.interceptsTLS = interceptsTLS
            self.directTLS = directTLS
            self.serverName = serverName
            self.authority = authority
            self.upstreamTrust = upstreamTrust
            self.keepsChannelBinding = keepsChannelBinding
            self.inspector.tlsTerminated = interceptsTLS
        }

        /// One upstream, `upstreamHost:upstreamPort`.
        public init(listenHost: String = "127.0.0.1", listenPort: Int, upstreamHost: String, upstreamPort: Int = 5222,
                    inspector: InspectorOptions = InspectorOptions(), interceptsTLS: Bool = false,
                    authority: CertificateAuthority? = nil, upstreamTrust: UpstreamTrust = .system,
                    keepsChannelBinding: Bool = false) {
            self.init(listenHost: listenHost, listenPort: listenPort,
                      upstreams: [Upstream(host: upstreamHost, port: upstreamPort)], inspector: inspector,
                      interceptsTLS: interceptsTLS, authority: authority, upstreamTrust: upstreamTrust,
                      keepsChannelBinding: keepsChannelBinding)
        }

        /// The domain named when nothing better is known: `serverName`, else the first upstream
        /// host unless it is an IP address.
        var defaultDomain: String? {
            if let serverName { return serverName }
            let host = upstreams[0].host
            let isAddress = host.contains(":") || host.split(separator: ".").allSatisfy { UInt8($0) != nil }
            return isAddress ? nil : host
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
    private let serverChannel = NIOLockedValueBox<(any Channel)?>(nil)
    /// Frames what the relay hands over, on a thread of its own.
    private let inspection: InspectionThread
    /// The connections and what they share, used on the one event loop only.
    private let state: NIOLoopBoundBox<ProxyState>

    /// `output` receives every record, in order, on a thread of its own (records are built and
    /// written beside the event loop, on a second core), which owns it from now on.
    /// With `keyLog` (passthrough), the TLS sessions it relays untouched are decrypted on the
    /// inspector's thread as the client's key log gives their secrets; the relay never waits for it.
    public convenience init(configuration: Configuration, keyLog: sending (any TLSSecretLookup)? = nil,
                            output: consuming sending RecordOutput) {
        self.init(configuration: configuration, keyLog: keyLog, output: output, backlog: InspectionThread.defaultBacklog)
    }

    /// `backlog`: how many bytes may wait for the inspector before the relay stops reading, and
    /// under how many it reads again (small in tests).
    init(configuration: Configuration, keyLog: sending (any TLSSecretLookup)? = nil,
         output: consuming sending RecordOutput, backlog: WaterMarks) {
        self.configuration = configuration
        let inspector = Inspector.threaded(options: configuration.inspector, keyLog: keyLog, output: output)
        let inspection = InspectionThread(inspector: inspector, backlog: backlog)
        self.inspection = inspection
        // Built here, used only on the event loop from now on.
        state = .makeBoxSendingValue(ProxyState(inspection: inspection), eventLoop: group.next())
    }

    /// Binds the listening socket; returns the address it listens on.
    /// An address the proxy listens on, as a person writes it (`127.0.0.1:5222`, `[::1]:5222`).
    public static func describe(listening address: SocketAddress) -> String {
        ProxyConnection.describe(address)
    }

    /// How much each leg reads at a time: NIO's adaptive sizes (doubling while reads fill the
    /// buffer, up to 64 KiB), but from 512 bytes rather than 2 KiB. Each channel keeps the
    /// buffers it read into for reuse, and an idle XMPP session's reads are small: this is what
    /// a thousand idle sessions hold, not what a busy one reads.
    static let readSizes = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65536)

    public func start() throws -> SocketAddress {
        let configuration = self.configuration
        let state = self.state
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .childChannelOption(ChannelOptions.autoRead, value: false)
            .childChannelOption(ChannelOptions.recvAllocator, value: ProxyServer.readSizes)
            .childChannelInitializer { client in
                client.eventLoop.makeCompletedFuture {
                    try ProxyServer.accepted(client, configuration: configuration, state: state)
                }
            }
        let channel = try bootstrap.bind(host: configuration.listenHost, port: configuration.listenPort).wait()
        serverChannel.withLockedValue { $0 = channel }
        return channel.localAddress!
    }

    /// Stops accepting, closes every connection (each gets its close record), and finishes the
    /// inspector's records: the output's `finish` has run when this returns.
    public func stop() {
        let state = self.state
        try? serverChannel.withLockedValue { $0 }?.close().wait()
        try? state.eventLoop.submit {
            for connection in state.value.connections.values { connection.closeAll(reason: "the proxy stopped") }
        }.wait()
        // Each session handed its close record over as it was told to close (a TLS leg may take
        // a while to finish its close_notify exchange); the inspector finishes what is left.
        inspection.finish()
        try? group.syncShutdownGracefully()
    }

    /// Connections open right now (for soak tests and benchmarks).
    public var openConnectionCount: Int {
        let state = self.state
        return (try? state.eventLoop.submit { state.value.connections.count }.wait()) ?? 0
    }

    /// A client connected: connect upstream, then relay. Runs on the client's event loop.
    private static func accepted(_ client: any Channel, configuration: Configuration, state: NIOLoopBoundBox<ProxyState>) throws {
        let proxy = state.value
        let id = proxy.nextID
        proxy.nextID += 1
        let first = configuration.upstreams[0]
        proxy.inspection.push(.opened(TCPConnectionInfo(
            id: id, client: Endpoint(client.remoteAddress), server: Endpoint(host: first.host, port: first.port),
            sawHandshake: true, firstPacket: 0, openedAt: Timestamp.now()
        )))
        let connection = ProxyConnection(id: id, state: state, configuration: configuration, client: client)
        proxy.connections[id] = connection  // owned until both channels close
        if configuration.directTLS && configuration.interceptsTLS {
            try connection.addClientTLS(defaultDomain: configuration.defaultDomain, directTLS: true)
        }
        try client.pipeline.syncOperations.addHandler(connection.clientSide)
        connect(connection, to: configuration.upstreams, index: 0, errors: [])
    }

    /// Connects to `upstreams[index]`, or the next one when it fails; when none accepts, the
    /// client is told with a stream error.
    private static func connect(_ connection: ProxyConnection, to upstreams: [Upstream], index: Int, errors: [String]) {
        let client = connection.client
        let upstream = upstreams[index]
        let bound = NIOLoopBound(connection, eventLoop: client.eventLoop)
        ClientBootstrap(group: client.eventLoop)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .channelOption(ChannelOptions.recvAllocator, value: ProxyServer.readSizes)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try bound.value.attachUpstream(channel)
                }
            }
            .connect(host: upstream.host, port: upstream.port)
            .whenComplete { result in
                let connection = bound.value
                switch result {
                case .success(let channel):
                    connection.upstreamConnected(channel, as: upstream)
                    client.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in client.read() }
                case .failure where !client.isActive:
                    // The client left while we connected (its close closed the upstream attempt).
                    connection.upstreamNeverOpened()
                case .failure(let error):
                    let errors = errors + ["\(upstream): \(error)"]
                    if index + 1 < upstreams.count {
                        connect(connection, to: upstreams, index: index + 1, errors: errors)
                        return
                    }
                    connection.upstreamFailed(
                        condition: UpstreamConnectFailure(error).condition,
                        text: "xmppscope could not reach the server (" + errors.joined(separator: "; ") + ")"
                    )
                }
            }
    }
}
