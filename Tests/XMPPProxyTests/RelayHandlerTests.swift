import NIOCore
import NIOEmbedded
import Testing
@testable import XMPPProxy

/// Two embedded channels joined by relay handlers, as the proxy joins a client and its upstream.
private final class Pair {
    let client = EmbeddedChannel()
    let upstream = EmbeddedChannel()
    var tapped: [String: [UInt8]] = ["c2s": [], "s2c": []]
    var closes = 0

    init() throws {
        let clientSide = RelayHandler(tap: { [unowned self] in tapped["c2s"]! += Array($0.readableBytesView) },
                                      onClose: { [unowned self] in closes += 1 })
        let serverSide = RelayHandler(tap: { [unowned self] in tapped["s2c"]! += Array($0.readableBytesView) },
                                      onClose: { [unowned self] in closes += 1 })
        try client.pipeline.syncOperations.addHandler(clientSide)
        try upstream.pipeline.syncOperations.addHandler(serverSide)
        RelayHandler.pair(clientSide, serverSide)
        self.clientSide = clientSide
        self.serverSide = serverSide
    }

    private(set) var clientSide: RelayHandler!
    private(set) var serverSide: RelayHandler!

    func received(on channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let out = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: out) }
        return text
    }

    func buffer(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
}

@Suite("Relay handler")
struct RelayHandlerTests {
    @Test("bytes go across exactly, both ways, and the tap sees them")
    func exactRelay() throws {
        let pair = try Pair()
        let chunks = ["<stream:stream to='x'>", "<iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/>", "</iq>", "\u{0}\u{FF}binary"]
        for chunk in chunks {
            try pair.client.writeInbound(pair.buffer(chunk))
            pair.client.pipeline.fireChannelReadComplete()
        }
        var relayed: [UInt8] = []
        while let out = try pair.upstream.readOutbound(as: ByteBuffer.self) { relayed += Array(out.readableBytesView) }
        #expect(relayed == Array(chunks.joined().utf8))
        #expect(pair.tapped["c2s"] == relayed)

        try pair.upstream.writeInbound(pair.buffer("<iq type='result' id='1'/>"))
        pair.upstream.pipeline.fireChannelReadComplete()
        #expect(try pair.client.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) } == "<iq type='result' id='1'/>")
        #expect(pair.tapped["s2c"] == Array("<iq type='result' id='1'/>".utf8))
    }

    @Test("a side that cannot take more stops the other from reading until it can")
    func backPressure() throws {
        let pair = try Pair()
        pair.upstream.isWritable = false
        pair.upstream.pipeline.fireChannelWritabilityChanged()
        let reads = ReadCounter()
        try pair.client.pipeline.syncOperations.addHandler(reads, position: .first)
        pair.client.read()
        #expect(reads.count == 0)
        pair.upstream.isWritable = true
        pair.upstream.pipeline.fireChannelWritabilityChanged()
        #expect(reads.count == 1)
    }

    @Test("a closed read gate holds reads on both sides until it opens, then each side reads once")
    func readGate() throws {
        let pair = try Pair()
        let gate = ReadGate()
        pair.clientSide.gate = gate
        pair.serverSide.gate = gate
        let clientReads = ReadCounter(), upstreamReads = ReadCounter()
        try pair.client.pipeline.syncOperations.addHandler(clientReads, position: .first)
        try pair.upstream.pipeline.syncOperations.addHandler(upstreamReads, position: .first)
        gate.close()
        pair.client.read()
        pair.client.read()  // asked twice while closed: still one read when it opens
        pair.upstream.read()
        #expect(clientReads.count == 0 && upstreamReads.count == 0)
        gate.open()
        #expect(clientReads.count == 1 && upstreamReads.count == 1)
        pair.client.read()
        #expect(clientReads.count == 2)
    }

    @Test("a gate that opens while the partner cannot take more still waits for the partner")
    func gateAndPartner() throws {
        let pair = try Pair()
        let gate = ReadGate()
        pair.clientSide.gate = gate
        let reads = ReadCounter()
        try pair.client.pipeline.syncOperations.addHandler(reads, position: .first)
        gate.close()
        pair.client.read()
        pair.upstream.isWritable = false
        pair.upstream.pipeline.fireChannelWritabilityChanged()
        gate.open()
        #expect(reads.count == 0)
        pair.upstream.isWritable = true
        pair.upstream.pipeline.fireChannelWritabilityChanged()
        #expect(reads.count == 1)
    }

    @Test("a rewrite edits and holds back what is relayed; what it holds is sent before the close")
    func rewriteAndDrain() throws {
        let pair = try Pair()
        var held = ""
        pair.serverSide.rewrite = { buffer in
            // Hand on up to the last '>', edited; hold the rest.
            let text = held + String(buffer: buffer)
            let cut = text.lastIndex(of: ">").map { text.index(after: $0) } ?? text.startIndex
            held = String(text[cut...])
            return ByteBuffer(string: text[..<cut].replacingOccurrences(of: "-PLUS", with: ""))
        }
        pair.serverSide.drainRewrite = {
            defer { held = "" }
            return held.isEmpty ? nil : ByteBuffer(string: held)
        }
        try pair.upstream.writeInbound(pair.buffer("<mechanism>SCRAM-SHA-1-PLUS</mechanism><mecha"))
        pair.upstream.pipeline.fireChannelReadComplete()
        #expect(try pair.received(on: pair.client) == "<mechanism>SCRAM-SHA-1</mechanism>")
        #expect(pair.tapped["s2c"] == Array("<mechanism>SCRAM-SHA-1-PLUS</mechanism><mecha".utf8))  // the tap sees what the server sent
        _ = try pair.upstream.finish()
        #expect(try pair.received(on: pair.client) == "<mecha")
        #expect(!pair.client.isActive)
    }

    @Test("when one side closes, the other is closed")
    func closeFollows() throws {
        let pair = try Pair()
        _ = try pair.client.finish()
        #expect(pair.closes >= 1)
        #expect(!pair.upstream.isActive)
    }
}

/// Counts read requests reaching the head of the pipeline.
private final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = Never
    var count = 0
    func read(context: ChannelHandlerContext) {
        count += 1
        context.read()
    }
}
