internal import NIOWebSocket

/// What a ``WebSocketFrameReader`` read, in wire order.
enum WebSocketFrameEvent {
    /// A frame NIOWebSocket decoded, with where it began and its bytes on the wire.
    case frame(WebSocketFrame, offset: Int, wireBytes: Int)
    /// A frame not passed on (over the limit, or breaking RFC 6455): the assembler drops the
    /// message it belonged to.
    case skipped(opcode: UInt8, fin: Bool)
    case problem(WebProblemKind, offset: Int)
}
