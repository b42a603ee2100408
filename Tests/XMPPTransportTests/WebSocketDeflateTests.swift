import Foundation
import Testing
import XMPPBase
import XMPPTransport

/// permessage-deflate (RFC 7692) against bytes from real peers: Python `websockets` 17.4 server
/// and client on loopback, recorded by Fixtures/make-websocket-deflate.py (which says how).
@Suite("Web decoder: WebSocket permessage-deflate")
struct WebSocketDeflateTests {
    static let sent = [
        "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='example.org' version='1.0'/>",
        "<message to='juliet@example.org' type='chat'><body>Art thou not Romeo, and a Montague?</body></message>",
        "<message to='juliet@example.org' type='chat'><body>Art thou not Romeo, and a Montague?</body></message>",
        "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>",
    ]

    static func fixture(_ name: String) throws -> (c2s: [UInt8], s2c: [UInt8]) {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        try #require(lines.count == 2)
        return (hex(lines[0]), hex(lines[1]))
    }

    static func decode(_ streams: (c2s: [UInt8], s2c: [UInt8])) -> WebDecoderHarness {
        let harness = WebDecoderHarness()
        harness.feed(.c2s, streams.c2s)
        harness.feed(.s2c, streams.s2c)
        harness.finish()
        return harness
    }

    @Test("with context takeover: every message inflates, the repeated one from back-references into the first")
    func contextTakeover() throws {
        let harness = Self.decode(try Self.fixture("websocket-deflate-takeover.hex"))
        #expect(harness.handshakes.first?.deflate == PerMessageDeflate())
        for direction in [Direction.c2s, .s2c] {
            let messages = harness.messages(direction)
            try #require(messages.count == 4, "\(direction): \(harness.problems(direction))")
            #expect(messages.map { String(decoding: $0.payload, as: UTF8.self) } == Self.sent)
            #expect(messages.map(\.compressed) == [true, true, true, true])
            // The same text a second time costs a few bytes: it refers back into the window.
            #expect(messages[2].wireBytes * 3 < messages[1].wireBytes, "\(direction): \(messages.map(\.wireBytes))")
            #expect(harness.problems(direction).isEmpty)
        }
    }

    @Test("without context takeover: every message inflates on its own, the repeated one as big as the first")
    func noContextTakeover() throws {
        let harness = Self.decode(try Self.fixture("websocket-deflate-no-takeover.hex"))
        #expect(harness.handshakes.first?.deflate == PerMessageDeflate(clientNoContextTakeover: true, serverNoContextTakeover: true))
        for direction in [Direction.c2s, .s2c] {
            let messages = harness.messages(direction)
            try #require(messages.count == 4, "\(direction): \(harness.problems(direction))")
            #expect(messages.map { String(decoding: $0.payload, as: UTF8.self) } == Self.sent)
            #expect(messages.map(\.compressed) == [true, true, true, true])
            #expect(messages[2].wireBytes == messages[1].wireBytes)
            #expect(harness.problems(direction).isEmpty)
        }
    }

    @Test("with context takeover a message that does not inflate breaks the rest of its direction: said once")
    func brokenContext() throws {
        var (c2s, s2c) = try Self.fixture("websocket-deflate-takeover.hex")
        let headEnd = Self.headEnd(s2c)
        // Corrupt the server's first message: its first compressed byte becomes an invalid block type.
        s2c[headEnd + 2] = 0xFF
        let harness = Self.decode((c2s, s2c))
        #expect(harness.messages(.c2s).count == 4)
        #expect(harness.messages(.s2c).isEmpty)
        let problems = harness.problems(.s2c)
        #expect(problems.count == 1)
        if case .inflateFailed = problems.first?.kind {} else { Issue.record("not an inflate failure: \(problems)") }
        _ = c2s.count
    }

    @Test("without context takeover the message after one that does not inflate inflates again")
    func recoveryWithoutTakeover() throws {
        var (c2s, s2c) = try Self.fixture("websocket-deflate-no-takeover.hex")
        s2c[Self.headEnd(s2c) + 2] = 0xFF
        let harness = Self.decode((c2s, s2c))
        #expect(harness.messages(.s2c).map { String(decoding: $0.payload, as: UTF8.self) } == Array(Self.sent.dropFirst()))
        #expect(harness.problems(.s2c).count == 1)
        _ = c2s.count
    }

    @Test("a message that inflates past the limit: reported and dropped, the next still inflates")
    func inflatedOverLimit() throws {
        let streams = try Self.fixture("websocket-deflate-takeover.hex")
        let harness = WebDecoderHarness(limits: WebLimits(maxMessageBytes: 90))
        harness.feed(.c2s, streams.c2s)
        harness.feed(.s2c, streams.s2c)
        harness.finish()
        #expect(harness.messages(.s2c).map { String(decoding: $0.payload, as: UTF8.self) } == [Self.sent[0], Self.sent[3]])
        #expect(harness.problems(.s2c).map(\.kind) == [.frameTooLarge(size: Self.sent[1].utf8.count, limit: 90),
                                                       .frameTooLarge(size: Self.sent[2].utf8.count, limit: 90)])
    }

    @Test("the zlib bridge reads gzip, several members as one stream")
    func gzip() throws {
        // `printf 'hello\n' | gzip -n` twice, concatenated.
        let member = hex("1f8b08000000000000 03cb48cdc9c9e70200 20303a3606000000")
        let inflater = ZlibInflater(format: .gzip)
        var out: [UInt8] = []
        try (member + member).withUnsafeBytes { bytes in try inflater.inflate(bytes) { out.append(contentsOf: $0) } }
        #expect(String(decoding: out, as: UTF8.self) == "hello\nhello\n")
        #expect(inflater.isBetweenMembers)
    }

    static func headEnd(_ bytes: [UInt8]) -> Int {
        var index = 3
        while !(bytes[index - 3] == 0x0D && bytes[index - 2] == 0x0A && bytes[index - 1] == 0x0D && bytes[index] == 0x0A) { index += 1 }
        return index + 1
    }
}
