import NIOCore
import NIOHTTP1

/// The client leg's HTTP end: takes whole requests from NIO's aggregator, hands them to the
/// connection, writes the responses it is given, and stops reading while requests queue up
/// (pipelining is answered in order, one request at a time upstream).
final class WebClientHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = NIOHTTPServerRequestFull
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var context: ChannelHandlerContext?
    private var pendingRead = false
    /// Gets each request, in order.
    var onRequest: ((NIOHTTPServerRequestFull) -> Void)?
    /// Gets an error on the client leg (a request NIO could not read, say).
    var onError: ((any Error) -> Void)?
    /// Whether the connection takes more requests now (false while several wait).
    var mayRead: () -> Bool = { true }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        onRequest?(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        onError?(error)
    }

    func read(context: ChannelHandlerContext) {
        guard mayRead() else {
            pendingRead = true
            return
        }
        context.read()
    }

    /// The queue went down: read again if a read was held.
    func resumeReading() {
        guard pendingRead, let context else { return }
        pendingRead = false
        read(context: context)
    }

    /// Writes a whole response and flushes; `done` runs when it has been written.
    func respond(_ head: HTTPResponseHead, body: ByteBuffer?, then done: (() -> Void)? = nil) {
        guard let context else { return }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body, body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        let promise: EventLoopPromise<Void>? = done.map { done in
            let promise = context.eventLoop.makePromise(of: Void.self)
            promise.futureResult.assumeIsolated().whenComplete { _ in done() }
            return promise
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: promise)
    }
}
