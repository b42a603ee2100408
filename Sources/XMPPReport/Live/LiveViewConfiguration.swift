public import NIOCore

/// Where the live view listens and what it keeps.
public struct LiveViewConfiguration: Sendable {
    /// The address to bind: 127.0.0.1 unless the user names another.
    public var host: String
    /// 0: any free port.
    public var port: Int
    /// The page's title ("xmppscope proxy → example.org").
    public var title: String
    /// The page's generator meta tag ("xmppscope 0.13.0").
    public var generator: String
    public var limits: LiveHistoryLimits
    /// How often an idle stream gets a comment line.
    public var keepAliveInterval: TimeAmount
    /// The write buffer of each browser connection: past `high` the channel is not writable and
    /// the stream waits (the rest stays in the history).
    public var writeBufferWaterMark: ChannelOptions.Types.WriteBufferWaterMark

    public init(host: String = "127.0.0.1", port: Int = 0, title: String, generator: String,
                limits: LiveHistoryLimits = LiveHistoryLimits(), keepAliveInterval: TimeAmount = .seconds(15),
                writeBufferWaterMark: ChannelOptions.Types.WriteBufferWaterMark = .init(low: 64 << 10, high: 256 << 10)) {
        self.host = host
        self.port = port
        self.title = title
        self.generator = generator
        self.limits = limits
        self.keepAliveInterval = keepAliveInterval
        self.writeBufferWaterMark = writeBufferWaterMark
    }
}
