internal import NIOCore

/// The last handler of a reader's channel: keeps what the decoder before it fires (WebSocket
/// frames, HTTP message parts) until the reader takes it, in order.
///
/// Taking them from a plain array skips the channel's own inbound buffer. The parts are kept
/// wrapped and unwrapped in ``next()``, called where `Part` is known: `channelRead` is called
/// through the pipeline, where a generic handler's code is not specialised.
final class InboundPartCollector<Part>: ChannelInboundHandler {
    typealias InboundIn = Part

    private var parts: [NIOAny] = []
    private var taken = 0

    init() {
        parts.reserveCapacity(4)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        parts.append(data)
    }

    /// The oldest part not taken yet, or nil when all have been.
    func next() -> Part? {
        guard taken < parts.count else {
            if taken > 0 {
                parts.removeAll(keepingCapacity: true)
                taken = 0
            }
            return nil
        }
        taken += 1
        return unwrapInboundIn(parts[taken - 1])
    }
}
