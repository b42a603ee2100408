import NIOCore
import NIOWebSocket

/// Relays WebSocket frames from its channel to a partner channel one for one after the upgrade:
/// payload, opcode, FIN and RSV bits unchanged (so extensions such as permessage-deflate, whose
/// negotiation went through, keep working end to end), masking applied as RFC 6455 §5.3 wants
/// on the way out (towards the server with a fresh key per frame, towards the client none).
/// Control frames are relayed like the rest: the peers answer pings and closes themselves.
/// Back-pressure as ``RelayHandler``: no read while the partner cannot take more.
final class WebSocketFrameRelay: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private var partner: WebSocketFrameRelay?
    private var context: ChannelHandlerContext?
    private var pendingRead = false
    /// Frames written by this handler towards its own peer get a mask (the server leg).
    private let masksOutgoing: Bool
    /// Frames relayed from this channel to the partner.
    private(set) var framesRelayed = 0
    /// Gets an error on this channel (a frame over the size limit, say) before it closes.
    var onError: ((any Error) -> Void)?

    /// `masksOutgoing`: this handler's channel leads to the server.
    init(masksOutgoing: Bool) {
        self.masksOutgoing = masksOutgoing
    }

    /// Pairs two relays (on their event loop, before either reads).
    static func pair(_ a: WebSocketFrameRelay, _ b: WebSocketFrameRelay) {
        a.partner = b
        b.partner = a
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil; partner = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        framesRelayed += 1
        partner?.partnerWrite(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.context?.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.partnerClose()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        onError?(error)
        onError = nil
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.partnerBecameWritable() }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if let partner, let partnerContext = partner.context, !partnerContext.channel.isWritable {
            pendingRead = true
            return
        }
        context.read()
    }

    /// Sends a frame of this handler's own (a close frame when the proxy ends the session), masked
    /// as this leg requires, and flushes.
    func send(_ frame: WebSocketFrame, then done: (() -> Void)? = nil) {
        guard let context else { done?(); return }
        let promise: EventLoopPromise<Void>? = done.map { done in
            let promise = context.eventLoop.makePromise(of: Void.self)
            promise.futureResult.assumeIsolated().whenComplete { _ in done() }
            return promise
        }
        context.writeAndFlush(wrapOutboundOut(outgoing(frame)), promise: promise)
    }

    /// The frame as it goes out on this leg: same bits and payload, this leg's masking.
    private func outgoing(_ frame: WebSocketFrame) -> WebSocketFrame {
        WebSocketFrame(fin: frame.fin, rsv1: frame.rsv1, rsv2: frame.rsv2, rsv3: frame.rsv3, opcode: frame.opcode,
                       maskKey: masksOutgoing ? .random() : nil, data: frame.unmaskedData,
                       extensionData: frame.unmaskedExtensionData)
    }

    // MARK: Called by the partner

    private func partnerWrite(_ frame: WebSocketFrame) {
        context?.write(wrapOutboundOut(outgoing(frame)), promise: nil)
    }

    private func partnerClose() {
        guard let context else { return }
        context.flush()
        context.close(promise: nil)
    }

    private func partnerBecameWritable() {
        guard pendingRead, let context else { return }
        pendingRead = false
        read(context: context)
    }
}
