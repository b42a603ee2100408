/// An HTTP request as the client sent it: its line, headers, and body size.
public struct HTTPRequestInfo: Sendable, Hashable {
    /// 0-based, in the order the connection carried requests.
    public var index: Int
    public var method: String
    public var target: String
    /// `HTTP/1.1`, `HTTP/1.0`.
    public var version: String
    public var headers: [HTTPHeaderField]
    /// Bytes of body (after de-chunking).
    public var bodyLength: Int
    /// Where the request line begins in the client's byte stream.
    public var offset: Int
    /// Bytes on the wire: line, headers, body (with chunk framing).
    public var wireBytes: Int
    /// Whether it carries XMPP: a WebSocket upgrade offering the `xmpp` subprotocol (or to a target
    /// that names XMPP), or a BOSH `<body/>` (namespace `http://jabber.org/protocol/httpbind`).
    public var carriesXMPP: Bool

    public init(index: Int, method: String, target: String, version: String, headers: [HTTPHeaderField],
                bodyLength: Int, offset: Int, wireBytes: Int, carriesXMPP: Bool) {
        self.index = index
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.bodyLength = bodyLength
        self.offset = offset
        self.wireBytes = wireBytes
        self.carriesXMPP = carriesXMPP
    }

    /// Whether it asks to upgrade to WebSocket.
    public var isWebSocketUpgrade: Bool {
        headers.first(named: "Upgrade").map { $0.lowercased().contains("websocket") } ?? false
    }
}
