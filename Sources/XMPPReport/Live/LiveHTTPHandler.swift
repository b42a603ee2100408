import NIOCore
import NIOHTTP1

/// One browser connection: answers each request as the ``LiveRequestRouter`` decides; for
/// `/events` the connection becomes an event stream fed by the ``LiveEventHub``. On the
/// server's event loop (the hub's).
final class LiveHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let router: LiveRequestRouter
    private let page: LivePage
    private let hub: NIOLoopBoundBox<LiveEventHub>
    private var request: HTTPRequestHead?
    private var subscriber: LiveEventSubscriber?

    init(router: LiveRequestRouter, page: LivePage, hub: NIOLoopBoundBox<LiveEventHub>) {
        self.router = router
        self.page = page
        self.hub = hub
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): request = head
        case .body: break
        case .end:
            guard let head = request, subscriber == nil else { return }
            request = nil
            respond(to: head, context: context)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if let subscriber, context.channel.isWritable { hub.value.writable(subscriber) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if subscriber != nil { hub.value.unsubscribe(context.channel) }
        subscriber = nil
        context.fireChannelInactive()
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let route = router.route(method: head.method.rawValue, uri: head.uri,
                                 host: head.headers.first(name: "host"),
                                 lastEventID: head.headers.first(name: "last-event-id"))
        switch route {
        case .page:
            var headers = Self.commonHeaders
            headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
            headers.add(name: "Content-Security-Policy", value: page.contentSecurityPolicy)
            send(.ok, headers: headers, body: page.bytes, keepAlive: head.isKeepAlive, context: context)
        case .events(let after):
            var headers = Self.commonHeaders
            headers.add(name: "Content-Type", value: "text/event-stream; charset=utf-8")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
            subscriber = hub.value.subscribe(context.channel, after: after)
        case .refuse(let status, let reason):
            var headers = Self.commonHeaders
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
            send(HTTPResponseStatus(statusCode: status), headers: headers,
                 body: context.channel.allocator.buffer(string: reason + "\n"), keepAlive: false, context: context)
        }
    }

    private func send(_ status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer, keepAlive: Bool,
                      context: ChannelHandlerContext) {
        var headers = headers
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// On every response, refusals too.
    private static let commonHeaders: HTTPHeaders = [
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    ]
}
