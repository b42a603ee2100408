/// A WebSocket control frame (RFC 6455 §5.5).
public enum WebSocketControl: Sendable, Hashable {
    case ping(payload: [UInt8])
    case pong(payload: [UInt8])
    /// A close frame: its status code (nil when it has no body) and reason.
    case close(code: UInt16?, reason: String)
}
