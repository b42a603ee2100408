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

/// The permessage-deflate parameters agreed (RFC 7692 §7.1).
public struct PerMessageDeflate: Sendable, Hashable {
    public var clientNoContextTakeover: Bool
    public var serverNoContextTakeover: Bool
    public var clientMaxWindowBits: Int
    public var serverMaxWindowBits: Int

    public init(clientNoContextTakeover: Bool = false, serverNoContextTakeover: Bool = false,
                clientMaxWindowBits: Int = 15, serverMaxWindowBits: Int = 15) {
        self.clientNoContextTakeover = clientNoContextTakeover
        self.serverNoContextTakeover = serverNoContextTakeover
        self.clientMaxWindowBits = clientMaxWindowBits
        self.serverMaxWindowBits = serverMaxWindowBits
    }
}
