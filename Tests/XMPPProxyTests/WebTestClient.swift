import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
@testable import XMPPInspect

/// Clients for the web proxy's tests, on NIO's HTTP client codec and WebSocket upgrader, each
/// bounded in time: HTTP requests written back to back (pipelined) with their responses
/// collected; raw bytes with everything the server sent until it closed; a WebSocket session
/// whose received frames are recorded.
final class WebTestClient: Sendable {
    struct Response: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: String
        func header(_ name: String) -> [String] { headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1) }
    }

    private struct State {
        var responses: [Response] = []
        var raw: [UInt8] = []
        var frames: [WebTestUpstream.SeenFrame] = []
        var upgrade: Response?
        var closed = false
    }

    private let state = ConditionBox(State())
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let channelBox = ConditionBox<(any Channel)?>(nil)

    var responses: [Response] { state.withLock { $0.responses } }
    var raw: String { state.withLock { String(decoding: $0.raw, as: UTF8.self) } }
    var frames: [WebTestUpstream.SeenFrame] { state.withLock { $0.frames } }
    /// The 101 the client got, once upgraded.
    var upgrade: Response? { state.withLock { $0.upgrade } }
    var closed: Bool { state.withLock { $0.closed } }

    deinit { try? group.syncShutdownGracefully() }

    /// Waits (polling, at most `seconds`) until `done` holds; returns whether it did.
    static func wait(seconds: Double = 20, until done: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while !done() {
            if Date() > end { return false }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return true
    }

    /// Writes `requests` back to back on one connection; their responses arrive in `responses`.
    func http(port: Int, _ requests: [(method: HTTPMethod, uri: String, headers: [(String, String)], body: String?)]) throws {
        let state = self.state
        let channel = try ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandlers([
                        NIOHTTPClientResponseAggregator(maxContentLength: 1 << 20), Collector(state: state),
                    ])
                }
            }
            .connect(host: "127.0.0.1", port: port).wait()
        channelBox.withLock { $0 = channel }
        for request in requests {
            var headers = HTTPHeaders(request.headers)
            if let body = request.body { headers.replaceOrAdd(name: "Content-Length", value: String(body.utf8.count)) }
            channel.write(HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: request.method,
                                                                     uri: request.uri, headers: headers)), promise: nil)
            if let body = request.body { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(string: body))), promise: nil) }
            let end = HTTPClientRequestPart.end(nil)
            channel.write(end, promise: nil)
        }
        channel.flush()
    }

    /// Sends `bytes` as they are; what comes back collects in `raw` until the server closes.
    func raw(port: Int, _ bytes: String) throws {
        let state = self.state
        let channel = try ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(RawCollector(state: state)) }
            }
            .connect(host: "127.0.0.1", port: port).wait()
        channelBox.withLock { $0 = channel }
        try channel.writeAndFlush(ByteBuffer(string: bytes)).wait()
    }

    /// Opens a WebSocket session through NIO's client upgrader (it checks the server's
    /// Sec-WebSocket-Accept against `key`); the 101 lands in `upgrade`, frames in `frames`.
    func webSocket(port: Int, uri: String, key: String, headers: [(String, String)]) throws {
        let state = self.state
        let upgrader = NIOWebSocketClientUpgrader(
            requestKey: key, maxFrameSize: 1 << 20, automaticErrorHandling: false,
            upgradePipelineHandler: { channel, response in
                state.withLock { $0.upgrade = Response(status: Int(response.status.code),
                                                       headers: response.headers.map { ($0.name, $0.value) }, body: "") }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FrameCollector(state: state))
                }
            })
        let channel = try ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                }
            }
            .connect(host: "127.0.0.1", port: port).wait()
        channelBox.withLock { $0 = channel }
        var requestHeaders = HTTPHeaders(headers)
        requestHeaders.add(name: "Content-Length", value: "0")
        channel.write(HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: uri,
                                                                 headers: requestHeaders)), promise: nil)
        let end = HTTPClientRequestPart.end(nil)
        try channel.writeAndFlush(end).wait()
    }

    /// Writes frames on the upgraded session, as given (their mask keys included).
    func send(_ frames: [WebSocketFrame]) throws {
        guard let channel = channelBox.withLock({ $0 }) else { return }
        for frame in frames { channel.write(frame, promise: nil) }
        channel.flush()
    }

    func close() {
        try? channelBox.withLock { $0 }?.close().wait()
    }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = NIOHTTPClientResponseFull
        let state: ConditionBox<State>
        init(state: ConditionBox<State>) { self.state = state }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let full = unwrapInboundIn(data)
            let response = Response(status: Int(full.head.status.code), headers: full.head.headers.map { ($0.name, $0.value) },
                                    body: full.body.map { String(buffer: $0) } ?? "")
            state.withLock { $0.responses.append(response) }
        }
        func channelInactive(context: ChannelHandlerContext) { state.withLock { $0.closed = true } }
    }

    private final class RawCollector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let state: ConditionBox<State>
        init(state: ConditionBox<State>) { self.state = state }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = Array(unwrapInboundIn(data).readableBytesView)
            state.withLock { $0.raw += bytes }
        }
        func channelInactive(context: ChannelHandlerContext) { state.withLock { $0.closed = true } }
    }

    private final class FrameCollector: ChannelInboundHandler {
        typealias InboundIn = WebSocketFrame
        let state: ConditionBox<State>
        init(state: ConditionBox<State>) { self.state = state }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = WebTestUpstream.SeenFrame(unwrapInboundIn(data))
            state.withLock { $0.frames.append(frame) }
        }
        func channelInactive(context: ChannelHandlerContext) { state.withLock { $0.closed = true } }
    }
}
