public import NIOCore
import NIOPosix
import NIOConcurrencyHelpers
import XMPPCapture
public import XMPPInspect
import XMPPBase

/// A proxy between web XMPP clients and one WebSocket (RFC 7395) or BOSH (XEP-0124/0206)
/// endpoint, on NIOHTTP1 and NIOWebSocket on both legs. Each client connection gets its own
/// upstream connection; HTTP requests are forwarded one at a time and their responses
/// returned; a WebSocket upgrade the server accepts turns both legs into frame relays. Every
/// plaintext byte read on either leg is tapped into the inspector under one connection number.
public final class WebProxyServer: Sendable {
    public let configuration: WebProxyConfiguration
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let serverChannel = NIOLockedValueBox<(any Channel)?>(nil)
    private let inspection: InspectionThread
    private let state: NIOLoopBoundBox<WebProxyState>

    /// `output` receives every record, in order, on a thread of its own, which owns it from now on.
    public convenience init(configuration: WebProxyConfiguration, output: consuming sending RecordOutput) {
        self.init(configuration: configuration, output: output, backlog: InspectionThread.defaultBacklog)
    }

    /// `backlog`: how many bytes may wait for the inspector before the taps stop reading.
    init(configuration: WebProxyConfiguration, output: consuming sending RecordOutput, backlog: WaterMarks) {
        self.configuration = configuration
        let inspector = Inspector.threaded(options: configuration.inspector, keyLog: nil, output: output)
        let inspection = InspectionThread(inspector: inspector, backlog: backlog)
        self.inspection = inspection
        state = .makeBoxSendingValue(WebProxyState(shared: ProxyState(inspection: inspection)), eventLoop: group.next())
    }

    /// Binds the listening socket; returns the address it listens on.
    public func start() throws -> SocketAddress {
        let configuration = self.configuration
        let state = self.state
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.autoRead, value: false)
            .childChannelInitializer { client in
                client.eventLoop.makeCompletedFuture {
                    try WebProxyServer.accepted(client, configuration: configuration, state: state)
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
        inspection.finish()
        try? group.syncShutdownGracefully()
    }

    /// Connections open right now (for tests and benchmarks).
    public var openConnectionCount: Int {
        let state = self.state
        return (try? state.eventLoop.submit { state.value.connections.count }.wait()) ?? 0
    }

    /// A client connected: set up its HTTP pipeline, then connect upstream. On the client's loop.
    private static func accepted(_ client: any Channel, configuration: WebProxyConfiguration,
                                 state: NIOLoopBoundBox<WebProxyState>) throws {
        let proxy = state.value
        let id = proxy.shared.nextID
        proxy.shared.nextID += 1
        let upstream = configuration.upstream
        proxy.shared.inspection.push(.opened(TCPConnectionInfo(
            id: id, client: Endpoint(client.remoteAddress), server: Endpoint(host: upstream.host, port: upstream.port),
            sawHandshake: true, firstPacket: 0, openedAt: Timestamp.now()
        )))
        let connection = WebProxyConnection(id: id, state: state, configuration: configuration, client: client)
        proxy.connections[id] = connection  // owned until both channels close
        try connection.setUpClient()
        connect(connection)
    }

    /// Connects the connection's upstream; when that fails, its requests get 502.
    private static func connect(_ connection: WebProxyConnection) {
        let client = connection.client
        let upstream = connection.configuration.upstream
        let bound = NIOLoopBound(connection, eventLoop: client.eventLoop)
        ClientBootstrap(group: client.eventLoop)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try bound.value.setUpUpstream(channel)
                }
            }
            .connect(host: upstream.host, port: upstream.port)
            .whenComplete { result in
                let connection = bound.value
                switch result {
                case .success(let channel):
                    connection.upstreamConnected(channel)
                case .failure(let error):
                    connection.upstreamUnreachable(error)
                }
                client.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in client.read() }
            }
    }
}
