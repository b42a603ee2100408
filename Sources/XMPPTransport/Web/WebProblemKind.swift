/// What went wrong in the HTTP or WebSocket layer.
public enum WebProblemKind: Sendable, Hashable, CustomStringConvertible {
    /// The bytes are not HTTP/1.x (the parser's own words); the rest of the direction is not decoded.
    case httpSyntax(String)
    /// A body larger than the limit: counted, not kept.
    case bodyTooLarge(size: Int, limit: Int)
    /// A response with no request before it.
    case responseWithoutRequest
    /// A frame the server masked, or the client did not (RFC 6455 §5.1).
    case maskedServerFrame
    case unmaskedClientFrame
    /// A frame larger than the limit: skipped.
    case frameTooLarge(size: Int, limit: Int)
    /// A text message that is not UTF-8 (RFC 6455 §8.1); it is still passed on.
    case invalidUTF8
    /// Frames that break RFC 6455 (reserved bits, opcodes, fragmented control frames, …).
    case webSocketProtocol(String)
    /// A compressed message that did not inflate (permessage-deflate, RFC 7692).
    case inflateFailed(String)
    /// The direction lost bytes (a capture gap); decoding stops there.
    case lostToGap(missing: Int)
    /// The connection ended inside a message or a body.
    case truncated(String)

    public var description: String {
        switch self {
        case .httpSyntax(let message): return "not HTTP/1.1: \(message)"
        case .bodyTooLarge(let size, let limit): return "an HTTP body of \(size) bytes, over the limit of \(limit): not decoded"
        case .responseWithoutRequest: return "an HTTP response without a request"
        case .maskedServerFrame: return "a WebSocket frame from the server that is masked (RFC 6455 §5.1)"
        case .unmaskedClientFrame: return "a WebSocket frame from the client that is not masked (RFC 6455 §5.1)"
        case .frameTooLarge(let size, let limit): return "a WebSocket frame of \(size) bytes, over the limit of \(limit): skipped"
        case .invalidUTF8: return "a WebSocket text message that is not UTF-8 (RFC 6455 §8.1)"
        case .webSocketProtocol(let message): return "a WebSocket protocol error: \(message)"
        case .inflateFailed(let message): return "a compressed WebSocket message that does not inflate: \(message)"
        case .lostToGap(let missing): return "\(missing) bytes lost to a gap: the rest of this direction's HTTP/WebSocket is not decoded"
        case .truncated(let what): return "the connection ended inside \(what)"
        }
    }
}
