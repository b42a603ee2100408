import Foundation
import NIOCore
import NIOWebSocket
import Testing
@testable import XMPPInspect
@testable import XMPPProxy

@Suite("Web proxy: WebSocket relay (NIO server upstream)")
struct WebSocketProxyTests {
    private func proxy(to upstream: WebTestUpstream, path: String, records: WebRecordCollector) throws -> (WebProxyServer, Int) {
        let url = try WebUpstreamURL("ws://127.0.0.1:\(upstream.port)\(path)", transport: .websocket)
        let proxy = WebProxyServer(configuration: .init(listenPort: 0, upstream: url), output: records.output)
        return (proxy, try proxy.start().port!)
    }

    /// A client upgraded through the proxy on `port`, offering the `xmpp` subprotocol.
    private func xmppWebSocket(port: Int) throws -> WebTestClient {
        let client = WebTestClient()
        try client.webSocket(port: port, uri: "/", key: NIOWebSocketClientUpgrader.randomRequestKey(),
                             headers: [("Host", "127.0.0.1"), ("Sec-WebSocket-Protocol", "xmpp")])
        #expect(WebTestClient.wait { client.upgrade != nil })
        return client
    }

    /// A whole text frame as a client sends it: masked.
    private static func maskedText(_ payload: [UInt8]) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(bytes: payload))
    }

    /// Frames of every shape a relay could get wrong: fragments, RSV bits (a permessage-deflate
    /// message), control frames, a 16-bit and a 64-bit length, a close with a code.
    /// Each frame as sent (a mask key, the payload in clear: NIO's encoder masks it) and as the
    /// other end must see it (masked or not left to the caller).
    private func scriptedFrames() -> [(WebSocketFrame, WebTestUpstream.SeenFrame)] {
        func frame(_ fin: Bool, _ opcode: WebSocketOpcode, _ payload: [UInt8], rsv1: Bool = false, rsv2: Bool = false,
                   rsv3: Bool = false) -> (WebSocketFrame, WebTestUpstream.SeenFrame) {
            let sent = WebSocketFrame(fin: fin, rsv1: rsv1, rsv2: rsv2, rsv3: rsv3, opcode: opcode, maskKey: .random(),
                                      data: ByteBuffer(bytes: payload))
            var seen = WebTestUpstream.SeenFrame(WebSocketFrame(fin: fin, rsv1: rsv1, rsv2: rsv2, rsv3: rsv3, opcode: opcode,
                                                                data: ByteBuffer(bytes: payload)))
            seen.masked = true
            return (sent, seen)
        }
        let open = Array("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='x.test' version='1.0'/>".utf8)
        return [
            frame(true, .text, open),
            frame(true, .text, [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00], rsv1: true),  // a deflated "Hello"
            frame(false, .text, Array("<message><body>one ".utf8)),
            frame(true, .ping, Array("between fragments".utf8)),
            frame(false, .continuation, Array("two ".utf8)),
            frame(true, .continuation, Array("three</body></message>".utf8)),
            frame(true, .binary, (0..<300).map { UInt8($0 & 0xff) }),
            frame(true, .binary, (0..<70_000).map { UInt8(($0 * 7) & 0xff) }),
            frame(true, .text, Array("odd bits".utf8), rsv2: true, rsv3: true),
            frame(true, .pong, []),
            frame(true, .connectionClose, [0x03, 0xe8] + Array("bye".utf8)),
        ]
    }

    @Test("the upgrade goes through with its protocol, extensions, Origin and key; frames are relayed one for one both ways, bits unchanged, masked only towards the server")
    func framesRelayed() throws {
        let upstream = try WebTestUpstream()
        defer { upstream.stop() }
        let records = WebRecordCollector()
        let (proxy, port) = try proxy(to: upstream, path: "/xmpp-websocket", records: records)
        let client = WebTestClient()
        let key = NIOWebSocketClientUpgrader.randomRequestKey()
        try client.webSocket(port: port, uri: "/client-path", key: key, headers: [
            ("Host", "127.0.0.1:\(port)"), ("Origin", "https://app.example"), ("Sec-WebSocket-Protocol", "xmpp"),
            ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"), ("X-Trace", "kept"),
        ])
        #expect(WebTestClient.wait { client.upgrade != nil }, "no 101 through the proxy")
        let upgrade = try #require(client.upgrade)
        #expect(upgrade.status == 101)
        #expect(upgrade.header("Sec-WebSocket-Protocol") == ["xmpp"])
        #expect(upgrade.header("Sec-WebSocket-Extensions") == ["permessage-deflate; client_max_window_bits"])

        let request = try #require(upstream.requests.first)
        #expect(upstream.requests.count == 1)
        #expect(request.uri == "/xmpp-websocket")
        #expect(request.header("Host") == ["127.0.0.1:\(upstream.port)"])
        #expect(request.header("Origin") == ["https://app.example"])
        #expect(request.header("Sec-WebSocket-Key") == [key])
        #expect(request.header("Sec-WebSocket-Protocol") == ["xmpp"])
        #expect(request.header("X-Trace") == ["kept"])

        let script = scriptedFrames()
        let sent = script.map(\.0)
        let expected = script.map(\.1)
        try client.send(sent)
        #expect(WebTestClient.wait { client.frames.count == sent.count }, "\(client.frames.count) of \(sent.count) frames came back")
        #expect(upstream.frames.count == sent.count)
        for (index, (got, want)) in zip(upstream.frames, expected).enumerated() {
            #expect(got == want, "frame \(index) as the server got it")
        }
        for (index, (got, want)) in zip(client.frames, expected).enumerated() {
            var back = want
            back.masked = false
            #expect(got == back, "frame \(index) as the client got it back")
        }

        client.close()
        #expect(WebTestClient.wait { proxy.openConnectionCount == 0 })
        proxy.stop()
        let events = records.records.map(\.event)
        #expect(events.filter { $0 == .connect }.count == 1)
        let close = try #require(records.records.first { $0.event == .close })
        #expect(close.proxy?.bytes?.s2c == upstream.bytesSent, "every byte the server sent was tapped")
    }

    @Test("a frame over the limit ends the session: both peers get close 1009, the output a proxy-note; the frames before it went through")
    func frameOverLimit() throws {
        let upstream = try WebTestUpstream()
        defer { upstream.stop() }
        let records = WebRecordCollector()
        let url = try WebUpstreamURL("ws://127.0.0.1:\(upstream.port)/xmpp-websocket", transport: .websocket)
        let proxy = WebProxyServer(configuration: .init(listenPort: 0, upstream: url, maxFrameSize: 1000), output: records.output)
        let port = try proxy.start().port!
        let client = try xmppWebSocket(port: port)
        let small = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(string: "<presence/>"))
        let big = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(repeating: 0x61, count: 2000))
        try client.send([small])
        #expect(WebTestClient.wait { client.frames.count == 1 }, "the frame before the big one came back")
        try client.send([big])
        #expect(WebTestClient.wait { client.closed }, "the client's connection was closed")
        let messageTooLarge: [UInt8] = [0x03, 0xf1]  // 1009
        #expect(client.frames.count == 2)
        #expect(client.frames.last?.opcode == 0x8 && client.frames.last?.payload == messageTooLarge)
        #expect(WebTestClient.wait { upstream.frames.count == 2 })
        #expect(upstream.frames.first?.payload == Array("<presence/>".utf8))
        #expect(upstream.frames.last?.opcode == 0x8 && upstream.frames.last?.payload == messageTooLarge)
        #expect(WebTestClient.wait { proxy.openConnectionCount == 0 })
        proxy.stop()
        #expect(records.notes.contains { $0.contains("the client sent a frame over 1000 bytes") }, "\(records.notes)")
    }

    @Test("a text frame that is not UTF-8 is relayed unchanged and shown as a web error; the stanza after it is decoded")
    func invalidUTF8Relayed() throws {
        let upstream = try WebTestUpstream()
        defer { upstream.stop() }
        let records = WebRecordCollector()
        let (proxy, port) = try proxy(to: upstream, path: "/xmpp-websocket", records: records)
        let client = try xmppWebSocket(port: port)
        let payloads: [[UInt8]] = [
            Array("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='x.test' version='1.0'/>".utf8),
            Array("<message><body>".utf8) + [0xff, 0xfe, 0xc3] + Array("</body></message>".utf8),
            Array("<presence id='after'/>".utf8),
        ]
        try client.send(payloads.map(Self.maskedText))
        #expect(WebTestClient.wait { upstream.frames.count == payloads.count }, "\(upstream.frames.count) of \(payloads.count) frames reached the server")
        #expect(upstream.frames.map(\.payload) == payloads, "every frame reached the server byte for byte")
        #expect(WebTestClient.wait { client.frames.count == payloads.count }, "the server's echo came back")
        client.close()
        #expect(WebTestClient.wait { proxy.openConnectionCount == 0 })
        proxy.stop()
        let webErrors = records.records.filter { $0.event == .webError && $0.direction == .c2s }
        // The message is named for its bytes, and then for its XML, which libxml2 cannot read whole.
        #expect(webErrors.map { $0.error?.text ?? "" } == [
            "a WebSocket text message that is not UTF-8 (RFC 6455 §8.1)",
            "a WebSocket message that does not end with a whole element (RFC 7395 §3.3.3: one stanza, <open/> or <close/> per message)",
        ])
        #expect(records.records.contains { $0.event == .stanza && $0.direction == .c2s && $0.kind == "presence" && $0.id == "after" })
        let close = try #require(records.records.first { $0.event == .close })
        #expect(close.proxy?.bytes?.s2c == upstream.bytesSent, "every byte the server sent was tapped")
    }

    @Test("a server frame that is masked is passed on and shown as a web error; the stanza in it is still decoded")
    func maskedServerFrame() throws {
        let upstream = try WebTestUpstream(masksEcho: true)
        defer { upstream.stop() }
        let records = WebRecordCollector()
        let (proxy, port) = try proxy(to: upstream, path: "/xmpp-websocket", records: records)
        let client = try xmppWebSocket(port: port)
        let payloads: [[UInt8]] = [
            Array("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='x.test' version='1.0'/>".utf8),
            Array("<presence id='echoed'/>".utf8),
        ]
        try client.send(payloads.map(Self.maskedText))
        #expect(WebTestClient.wait { client.frames.count == payloads.count }, "\(client.frames.count) of \(payloads.count) frames came back")
        #expect(client.frames.map(\.payload) == payloads, "the server's frames reached the client with their payloads")
        client.close()
        #expect(WebTestClient.wait { proxy.openConnectionCount == 0 })
        proxy.stop()
        let masked = records.records.filter { $0.event == .webError && $0.error?.text?.contains("from the server that is masked") == true }
        #expect(masked.count == payloads.count, "one web error per masked frame: \(records.records.filter { $0.event == .webError }.map { $0.error?.text ?? "" })")
        #expect(masked.allSatisfy { $0.direction == .s2c })
        #expect(records.records.contains { $0.event == .stanza && $0.direction == .s2c && $0.kind == "presence" && $0.id == "echoed" })
        let close = try #require(records.records.first { $0.event == .close })
        #expect(close.proxy?.bytes?.s2c == upstream.bytesSent, "every byte the server sent was tapped")
    }

    @Test("a refused upgrade reaches the client as the server answered it, with a proxy-note")
    func refusedUpgrade() throws {
        let upstream = try WebTestUpstream()
        defer { upstream.stop() }
        let records = WebRecordCollector()
        let (proxy, port) = try proxy(to: upstream, path: "/forbidden", records: records)
        let client = WebTestClient()
        try client.http(port: port, [(.GET, "/xmpp-websocket", [
            ("Host", "127.0.0.1"), ("Connection", "Upgrade"), ("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13"),
            ("Sec-WebSocket-Key", NIOWebSocketClientUpgrader.randomRequestKey()), ("Origin", "https://evil.example"),
        ], nil)])
        #expect(WebTestClient.wait { client.responses.count == 1 && client.closed })
        let response = try #require(client.responses.first)
        #expect(response.status == 403)
        #expect(response.body == "origin not allowed here")
        #expect(response.header("Content-Length") == ["23"])
        proxy.stop()
        #expect(records.notes.contains { $0.contains("refused the WebSocket upgrade: 403") }, "\(records.notes)")
    }
}
