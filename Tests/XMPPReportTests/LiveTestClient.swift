import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A test browser on a real socket: sends one GET through NIO's HTTP client codec and keeps the
/// response: status, headers, body, and the server-sent events in it as they come.
final class LiveTestClient: Sendable {
    /// One event of a text/event-stream (data cut to 300 bytes).
    struct Event: Sendable, Equatable {
        var id: Int?
        var name: String?
        var data: String
    }

    struct Received: Sendable {
        var status: Int?
        var headers: [(String, String)] = []
        var body: [UInt8] = []
        var events: [Event] = []
        var comments = 0
        var ended = false
        var closed = false
        /// Bytes of the body not yet cut into events.
        var pending: [UInt8] = []

        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    let received = NIOLockedValueBox(Received())
    let channel: any Channel

    /// Connects to 127.0.0.1:`port` and asks for `uri`. `reads: false` never reads a byte (a
    /// browser that stopped), with a small receive buffer; `keepBody: false` keeps only events.
    init(group: any EventLoopGroup, port: Int, uri: String, host: String? = nil, method: HTTPMethod = .GET,
         headers extra: [(String, String)] = [], reads: Bool = true, keepBody: Bool = true) throws {
        let received = self.received
        var bootstrap = ClientBootstrap(group: group).connectTimeout(.seconds(5))
        if !reads {
            bootstrap = bootstrap
                .channelOption(ChannelOptions.autoRead, value: false)
                .channelOption(ChannelOptions.socketOption(.so_rcvbuf), value: 4096)
        }
        channel = try bootstrap.channelInitializer { channel in
            channel.pipeline.addHTTPClientHandlers().flatMapThrowing {
                try channel.pipeline.syncOperations.addHandler(Collector(received: received, keepBody: keepBody))
            }
        }.connect(host: "127.0.0.1", port: port).wait()
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri)
        head.headers.add(name: "Host", value: host ?? "127.0.0.1:\(port)")
        for (name, value) in extra { head.headers.add(name: name, value: value) }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        try channel.writeAndFlush(HTTPClientRequestPart.end(nil)).wait()
    }

    /// Waits (at most `seconds`) until `condition` holds for what came; returns whether it did.
    func wait(seconds: Double = 20, until condition: (Received) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if received.withLockedValue({ condition($0) }) { return true }
            usleep(2_000)
        }
        return received.withLockedValue { condition($0) }
    }

    var snapshot: Received { received.withLockedValue { $0 } }

    func close() { try? channel.close().wait() }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        let received: NIOLockedValueBox<Received>
        let keepBody: Bool

        init(received: NIOLockedValueBox<Received>, keepBody: Bool) {
            self.received = received
            self.keepBody = keepBody
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let keepBody = self.keepBody
            switch unwrapInboundIn(data) {
            case .head(let head):
                received.withLockedValue {
                    $0.status = Int(head.status.code)
                    $0.headers = head.headers.map { ($0.name, $0.value) }
                }
            case .body(let buffer):
                let bytes = Array(buffer.readableBytesView)
                received.withLockedValue {
                    if keepBody { $0.body += bytes }
                    $0.pending += bytes
                    Self.cutEvents(&$0)
                }
            case .end:
                received.withLockedValue { $0.ended = true }
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            received.withLockedValue { $0.closed = true }
        }

        /// Cuts whole events (ending in a blank line) off `pending`.
        static func cutEvents(_ received: inout Received) {
            let separator: [UInt8] = [0x0A, 0x0A]
            var start = 0
            let pending = received.pending
            var index = 0
            while index + 1 < pending.count {
                guard pending[index] == separator[0], pending[index + 1] == separator[1] else { index += 1; continue }
                let block = String(decoding: pending[start..<index], as: UTF8.self)
                var event = Event(id: nil, name: nil, data: "")
                var isComment = true
                for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                    if line.hasPrefix(":") { continue }
                    isComment = false
                    if line.hasPrefix("id: ") { event.id = Int(line.dropFirst(4)) }
                    else if line.hasPrefix("event: ") { event.name = String(line.dropFirst(7)) }
                    else if line.hasPrefix("data: ") { event.data = String(line.dropFirst(6).prefix(300)) }
                }
                if isComment { received.comments += 1 }
                else if event.id != nil || event.name != nil { received.events.append(event) }
                index += 2
                start = index
            }
            received.pending = Array(pending[start...])
        }
    }
}
