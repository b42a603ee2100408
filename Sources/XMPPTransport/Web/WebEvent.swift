public import XMPPBase

/// What a ``WebConnectionDecoder`` reports, in each direction's wire order.
public enum WebEvent: Sendable, Hashable {
    /// A complete request (headers and body, de-chunked). The body is kept only when the request
    /// carries XMPP (``HTTPRequestInfo/carriesXMPP``) and is within the limit; else it is empty.
    case request(HTTPRequestInfo, body: [UInt8])
    /// A complete response; its body is kept only when its request carried XMPP.
    case response(HTTPResponseInfo, body: [UInt8])
    /// A `101 Switching Protocols` to a WebSocket upgrade: frames follow in both directions.
    case webSocketOpened(WebSocketHandshake)
    case webSocketMessage(WebSocketMessage)
    case webSocketControl(Direction, WebSocketControl, offset: Int)
    case problem(Direction, WebProblem)
}
