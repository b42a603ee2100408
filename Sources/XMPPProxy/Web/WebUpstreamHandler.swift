import NIOCore
import NIOHTTP1

/// The server leg's HTTP end: writes the requests the connection forwards and hands back each
/// whole response from NIO's aggregator.
final class WebUpstreamHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOHTTPClientResponseFull
    typealias OutboundOut = HTTPClientRequestPart

    private var context: ChannelHandlerContext?
    /// Gets each response, in order.
    var onResponse: ((NIOHTTPClientResponseFull) -> Void)?
    /// Gets an error on the server leg (TLS verification, a response NIO could not read).
    var onError: ((any Error) -> Void)?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        onResponse?(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        onError?(error)
        context.close(promise: nil)
    }

    /// Writes a whole request and flushes.
    func send(_ head: HTTPRequestHead, body: ByteBuffer?) {
        guard let context else { return }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body, body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
