import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
@testable import XMPPInspect

/// A web server for the web proxy's tests, on NIO's own HTTP server pipeline and WebSocket
/// upgrader, on 127.0.0.1 (an ephemeral port). It records what reaches it and answers:
/// - a WebSocket upgrade to `/xmpp-websocket` is accepted, choosing `xmpp` when offered and
///   echoing `Sec-WebSocket-Extensions`; every frame is recorded and sent back unmasked, bits as
///   received;
/// - any other request to `/forbidden` gets 403 with a body; any other gets 200 with
///   `echo:` and the request body, chunked (no Content-Length).
/// With `tls`, it serves TLS (wss://, https://) with that certificate and key. With `masksEcho`, it
/// masks the frames it sends back, as no server may (RFC 6455 §5.1).
final class WebTestUpstream: Sendable {
    /// A frame as received: its bits, whether it was masked, its unmasked payload.
    struct SeenFrame: Sendable, Equatable, CustomStringConvertible {
        var fin: Bool
        var rsv: [Bool]
        var opcode: UInt8
        var masked: Bool
        var payload: [UInt8]

        init(_ frame: WebSocketFrame) {
            fin = frame.fin
            rsv = [frame.rsv1, frame.rsv2, frame.rsv3]
            opcode = UInt8(webSocketOpcode: frame.opcode)
            masked = frame.maskKey != nil
            payload = Array(frame.unmaskedData.readableBytesView)
        }

        var description: String { "fin=\(fin) rsv=\(rsv) op=\(opcode) masked=\(masked) \(payload.count) B" }
    }

    /// A request head as received.
    struct SeenRequest: Sendable {
        var method: String
        var uri: String
        var headers: [(String, String)]
        var body: [UInt8]
        func header(_ name: String) -> [String] { headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1) }
    }

    private struct Seen {
        var requests: [SeenRequest] = []
        var frames: [SeenFrame] = []
        var rawBytes = 0
    }

    private let seen = ConditionBox(Seen())
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    var port: Int { channel.localAddress!.port! }
    var requests: [SeenRequest] { seen.withLock { $0.requests } }
    var frames: [SeenFrame] { seen.withLock { $0.frames } }
    /// Bytes the server wrote (so the proxy read them): counted at the socket.
    var bytesSent: Int { seen.withLock { $0.rawBytes } }

    init(tls: NIOSSLContext? = nil, masksEcho: Bool = false) throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let seen = self.seen
        channel = try ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let upgrader = NIOWebSocketServerUpgrader(
                    maxFrameSize: 1 << 20, automaticErrorHandling: false,
                    shouldUpgrade: { channel, head in
                        seen.withLock { $0.requests.append(SeenRequest(
                            method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) }, body: [])) }
                        guard head.uri == "/xmpp-websocket" else { return channel.eventLoop.makeSucceededFuture(nil) }
                        var headers = HTTPHeaders()
                        if head.headers["sec-websocket-protocol"].joined(separator: ",").contains("xmpp") {
                            headers.add(name: "Sec-WebSocket-Protocol", value: "xmpp")
                        }
                        if let extensions = head.headers.first(name: "sec-websocket-extensions") {
                            headers.add(name: "Sec-WebSocket-Extensions", value: extensions)
                        }
                        return channel.eventLoop.makeSucceededFuture(headers)
                    },
                    upgradePipelineHandler: { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(Echo(seen: seen, masks: masksEcho))
                        }
                    })
                return channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.addHandler(ByteCounter(seen: seen))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [upgrader], completionHandler: { context in
                            // Upgraded: frames go to Echo, not to the HTTP responder.
                            context.pipeline.syncOperations.removeHandler(name: "responder", promise: nil)
                        }))
                    try channel.pipeline.syncOperations.addHandler(Responder(seen: seen), name: "responder")
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
    }

    func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    /// Counts what the server writes, at the socket.
    private final class ByteCounter: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        let seen: ConditionBox<Seen>
        init(seen: ConditionBox<Seen>) { self.seen = seen }
        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            let count = unwrapOutboundIn(data).readableBytes
            seen.withLock { $0.rawBytes += count }
            context.write(data, promise: promise)
        }
    }

    /// Plain HTTP: 403 for /forbidden, else the body echoed (chunked).
    private final class Responder: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let seen: ConditionBox<Seen>
        private var head: HTTPRequestHead?
        private var body: [UInt8] = []
        init(seen: ConditionBox<Seen>) { self.seen = seen }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(let buffer):
                body += buffer.readableBytesView
            case .end:
                guard let head else { return }
                let request = SeenRequest(method: head.method.rawValue, uri: head.uri,
                                          headers: head.headers.map { ($0.name, $0.value) }, body: body)
                let isUpgradeRetry = WebHeadersProbe.isUpgrade(head)
                if !isUpgradeRetry { seen.withLock { $0.requests.append(request) } }
                let forbidden = head.uri.hasPrefix("/forbidden") || isUpgradeRetry
                var headers = HTTPHeaders()
                headers.add(name: "Content-Type", value: "text/xml; charset=utf-8")
                let text = forbidden ? "origin not allowed here" : "echo:" + String(decoding: body, as: UTF8.self)
                if forbidden { headers.add(name: "Content-Length", value: String(text.utf8.count)) }
                context.write(wrapOutboundOut(.head(HTTPResponseHead(
                    version: .http1_1, status: forbidden ? .forbidden : .ok, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }

    /// After the upgrade: records each frame and sends it back, bits unchanged, unmasked unless
    /// `masks`.
    private final class Echo: ChannelInboundHandler {
        typealias InboundIn = WebSocketFrame
        typealias OutboundOut = WebSocketFrame
        let seen: ConditionBox<Seen>
        let masks: Bool
        init(seen: ConditionBox<Seen>, masks: Bool) {
            self.seen = seen
            self.masks = masks
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = unwrapInboundIn(data)
            seen.withLock { $0.frames.append(SeenFrame(frame)) }
            let back = WebSocketFrame(fin: frame.fin, rsv1: frame.rsv1, rsv2: frame.rsv2, rsv3: frame.rsv3,
                                      opcode: frame.opcode, maskKey: masks ? .random() : nil, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(back), promise: nil)
        }
    }

    /// Whether a request that reached the plain responder was a refused upgrade.
    private enum WebHeadersProbe {
        static func isUpgrade(_ head: HTTPRequestHead) -> Bool {
            head.headers["upgrade"].contains { $0.lowercased() == "websocket" }
        }
    }
}
