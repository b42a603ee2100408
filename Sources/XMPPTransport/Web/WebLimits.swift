/// Bounds that keep a web connection's decoding within memory whatever it carries.
public struct WebLimits: Sendable, Hashable {
    /// Largest request or response head (line and headers).
    public var maxHeadBytes: Int
    /// Largest body kept (a BOSH `<body/>`); larger ones are counted only.
    public var maxBodyBytes: Int
    /// Largest WebSocket message, after joining fragments and inflating.
    public var maxMessageBytes: Int

    public init(maxHeadBytes: Int = 64 << 10, maxBodyBytes: Int = 1 << 20, maxMessageBytes: Int = 1 << 20) {
        self.maxHeadBytes = maxHeadBytes
        self.maxBodyBytes = maxBodyBytes
        self.maxMessageBytes = maxMessageBytes
    }

    public static let `default` = WebLimits()
}
