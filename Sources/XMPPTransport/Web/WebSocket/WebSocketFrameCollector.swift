internal import NIOCore
internal import NIOWebSocket

/// The last handler of a ``WebSocketFrameReader``'s channel: keeps the frames NIOWebSocket's
/// decoder completes until the reader takes them.
///
/// Taking them from a plain array skips the channel's own inbound buffer and its cast per frame.
final class WebSocketFrameCollector: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame

    private var frames: [WebSocketFrame] = []

    init() {
        frames.reserveCapacity(4)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        frames.append(unwrapInboundIn(data))
    }

    /// Calls `body` with each frame collected since the last call, in order, and forgets them.
    func drain(_ body: (WebSocketFrame) -> Void) {
        guard !frames.isEmpty else { return }
        for frame in frames { body(frame) }
        frames.removeAll(keepingCapacity: true)
    }
}
