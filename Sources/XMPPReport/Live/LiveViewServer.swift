public import NIOCore
import NIOConcurrencyHelpers
import NIOHTTP1
import NIOPosix

/// The live view's web server (docs/live-view.md): `GET /?token=T` is the report page in live
/// mode, `GET /events?token=T` the records as server-sent events (the history first, then each
/// new one), nothing without the token or for another `Host`. One event loop owns the history
/// and the streams; records arrive in batches from a ``LiveViewSink``.
public final class LiveViewServer: Sendable {
    public let configuration: LiveViewConfiguration
    /// The secret in every URL.
    public let token: LiveAccessToken
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let loop: any EventLoop
    private let hub: NIOLoopBoundBox<LiveEventHub>
    private let state = NIOLockedValueBox<(channel: (any Channel)?, keepAlive: RepeatedTask?)>((nil, nil))

    public init(configuration: LiveViewConfiguration, token: LiveAccessToken = LiveAccessToken()) {
        self.configuration = configuration
        self.token = token
        loop = group.next()
        hub = .makeBoxSendingValue(LiveEventHub(limits: configuration.limits), eventLoop: loop)
    }

    /// Binds the socket and returns the address it listens on.
    public func start() throws -> SocketAddress {
        let configuration = self.configuration
        let hub = self.hub
        let token = self.token
        let page = LivePage(ReportPage(title: configuration.title, generator: configuration.generator,
                                       mode: .live(eventsPath: "/events?token=\(token.text)")))
        let routerBox = NIOLockedValueBox<LiveRequestRouter?>(nil)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 64)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.writeBufferWaterMark, value: configuration.writeBufferWaterMark)
            .childChannelInitializer { channel in
                guard let router = routerBox.withLockedValue({ $0 }) else {
                    return channel.close()
                }
                return channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(LiveHTTPHandler(router: router, page: page, hub: hub))
                }
            }
        let channel: any Channel
        do {
            channel = try bootstrap.bind(host: configuration.host, port: configuration.port).wait()
        } catch {
            throw LiveViewError.cannotListen(address: Self.hostAndPort(configuration.host, configuration.port), reason: "\(error)")
        }
        let address = channel.localAddress!
        routerBox.withLockedValue { $0 = LiveRequestRouter(token: token, listeningHost: configuration.host, port: address.port ?? configuration.port) }
        let keepAlive = loop.scheduleRepeatedTask(initialDelay: configuration.keepAliveInterval, delay: configuration.keepAliveInterval) { _ in
            hub.value.keepAlive()
        }
        state.withLockedValue { $0 = (channel, keepAlive) }
        return address
    }

    /// The page's URL for a browser: `http://HOST:PORT/?token=T`.
    public func url(for address: SocketAddress) -> String {
        "http://\(Self.hostAndPort(configuration.host, address.port ?? configuration.port))/?token=\(token.text)"
    }

    /// New records (from the records thread): handed to the event loop, never waited for.
    public func publish(_ batch: LiveEventBatch) {
        let hub = self.hub
        loop.execute { hub.value.append(batch) }
    }

    /// Stops listening, closes every stream and the event loop. Records published before are sent
    /// to the browsers that can take them first (as far as their write buffers go).
    public func stop() {
        let (channel, keepAlive) = state.withLockedValue { state in
            defer { state = (nil, nil) }
            return state
        }
        keepAlive?.cancel()
        try? channel?.close().wait()
        let hub = self.hub
        let loop = self.loop
        // Streams get what was sent to them, but a browser that does not read does not hold the
        // stop up for more than two seconds.
        _ = try? loop.flatSubmit { hub.value.closeAll(on: loop, grace: .seconds(2)) }.wait()
        try? group.syncShutdownGracefully()
    }

    /// What the hub holds (tests): events kept, the first kept, streams open, slow ones cut off.
    func snapshot() throws -> LiveViewSnapshot {
        let hub = self.hub
        return try loop.submit {
            let value = hub.value
            return LiveViewSnapshot(firstID: value.history.firstID, nextID: value.history.nextID,
                                    subscribers: value.subscriberCount, cutOff: value.cutOffCount)
        }.wait()
    }

    /// `127.0.0.1:8080`, `[::1]:8080`.
    static func hostAndPort(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
