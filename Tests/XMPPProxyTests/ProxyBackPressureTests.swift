import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import XMPPInspect
@testable import XMPPProxy

/// Counts the bytes an upstream server received, from its event loop, read from the test.
private final class ByteCount: Sendable {
    private let total = ConditionBox(0)
    func add(_ count: Int) { total.withLock { $0 += count } }
    var value: Int { total.withLock { $0 } }
}

/// The upstream server's handler: counts what arrives, answers nothing.
private final class CountingHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let count: ByteCount
    init(_ count: ByteCount) { self.count = count }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        count.add(unwrapInboundIn(data).readableBytes)
    }
}

@Suite("Proxy back-pressure from the inspector")
struct ProxyBackPressureTests {
    /// Waits (polling, at most `seconds`) until `done` holds; returns whether it did.
    private func wait(seconds: Double, until done: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while !done() {
            if Date() > end { return false }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return true
    }

    @Test("a stalled inspector holds the relay without losing a byte or a record; it goes on once the inspector catches up")
    func stalledInspector() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let received = ByteCount()
        let upstream = try ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(CountingHandler(received)) }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        defer { try? upstream.close().wait() }

        let sink = SlowSink()
        sink.hold()  // the records thread blocks on the first record: the inspector falls behind
        let proxy = ProxyServer(
            configuration: .init(listenPort: 0, upstreamHost: "127.0.0.1", upstreamPort: upstream.localAddress!.port!,
                                 inspector: InspectorOptions(keepsElements: false)),
            output: RecordOutput(record: sink.take), backlog: WaterMarks(high: 64 << 10, low: 16 << 10))
        let address = try proxy.start()

        let header = "<?xml version='1.0'?><stream:stream to='x.test' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
        let message = "<message to='a@x.test' type='chat'><body>\(String(repeating: "z", count: 1000))</body></message>"
        let messages = 16_000  // ~17 MB: more than the sockets' buffers on both sides can hold
        var bytes = ByteBuffer(string: header)
        for _ in 0..<messages { bytes.writeString(message) }
        let total = bytes.readableBytes
        let client = try ClientBootstrap(group: group).connect(host: "127.0.0.1", port: address.port!).wait()
        client.writeAndFlush(bytes, promise: nil)

        // Held: what reaches the server stops growing, well short of everything.
        var last = -1
        _ = wait(seconds: 30) {
            defer { last = received.value }
            Thread.sleep(forTimeInterval: 0.5)
            return received.value == last
        }
        let whileHeld = received.value
        #expect(whileHeld < total / 2, "\(whileHeld) of \(total) bytes went through while the inspector was stalled")

        sink.letGo()
        #expect(wait(seconds: 120) { received.value == total }, "\(received.value) of \(total) bytes after the inspector caught up")
        try client.close().wait()
        #expect(wait(seconds: 30) { proxy.openConnectionCount == 0 })
        proxy.stop()
        let stanzas = sink.records.filter { $0.event == .stanza && $0.kind == "message" }
        #expect(stanzas.count == messages)
    }
}
