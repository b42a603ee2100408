/// An `http` record's facts: one HTTP request or response of a web transport (the WebSocket
/// upgrade and its answer, or one BOSH body's carrier), or a `websocket` record's control frame.
public struct HTTPInfo: Sendable, Hashable {
    /// Requests: the method and target.
    public var method: String?
    public var target: String?
    /// Responses: the status code and reason phrase.
    public var status: Int?
    public var reason: String?
    /// Bytes of body (after de-chunking).
    public var bodyBytes: Int?
    /// The TCP connection that carried it, when it is not the record's own `conn` (a BOSH session
    /// spread over several HTTP connections).
    public var via: Int?
    /// The `Origin` the browser sent (a 403 is often about it).
    public var origin: String?
    /// WebSocket upgrade: the subprotocols offered (request) or agreed (101); extensions agreed.
    public var webSocketProtocol: String?
    public var extensions: String?
    /// BOSH: the session id (`sid`) of the body.
    public var sid: String?
    /// websocket close frame: its status code and reason.
    public var closeCode: Int?
    public var closeReason: String?

    public init(method: String? = nil, target: String? = nil, status: Int? = nil, reason: String? = nil,
                bodyBytes: Int? = nil, via: Int? = nil, origin: String? = nil, webSocketProtocol: String? = nil,
                extensions: String? = nil, sid: String? = nil, closeCode: Int? = nil, closeReason: String? = nil) {
        self.method = method
        self.target = target
        self.status = status
        self.reason = reason
        self.bodyBytes = bodyBytes
        self.via = via
        self.origin = origin
        self.webSocketProtocol = webSocketProtocol
        self.extensions = extensions
        self.sid = sid
        self.closeCode = closeCode
        self.closeReason = closeReason
    }

    /// Whether a response says the attempt failed (4xx, 5xx; or a WebSocket upgrade not answered 101).
    public var isFailure: Bool { (status ?? 0) >= 400 }
}
