/// A WebSocket upgrade that succeeded (`101 Switching Protocols`): what was offered and agreed.
public struct WebSocketHandshake: Sendable, Hashable {
    /// The upgrade request (``HTTPRequestInfo/index``).
    public var requestIndex: Int
    /// `Sec-WebSocket-Protocol` of the request, split at commas.
    public var offeredProtocols: [String]
    /// `Sec-WebSocket-Protocol` of the 101: `xmpp` when RFC 7395 was agreed; nil when none was.
    public var agreedProtocol: String?
    /// `Sec-WebSocket-Extensions` of the 101, as sent.
    public var extensions: String?
    /// permessage-deflate (RFC 7692), when the 101 agreed to it.
    public var deflate: PerMessageDeflate?

    public init(requestIndex: Int, offeredProtocols: [String], agreedProtocol: String?, extensions: String?,
                deflate: PerMessageDeflate?) {
        self.requestIndex = requestIndex
        self.offeredProtocols = offeredProtocols
        self.agreedProtocol = agreedProtocol
        self.extensions = extensions
        self.deflate = deflate
    }
}
