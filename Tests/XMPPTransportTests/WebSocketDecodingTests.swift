import Foundation
import Testing
import XMPPBase
import XMPPTransport

@Suite("Web decoder: WebSocket")
struct WebSocketDecodingTests {
    static let open = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='example.org' version='1.0'/>"
    static let features = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"

    /// A conversation: the upgrade, frames pipelined after the GET, fragments with a ping between
    /// them, a 200-byte message (16-bit length), pongs, close frames both ways.
    static func conversation() -> (c2s: [UInt8], s2c: [UInt8]) {
        let long = "<message to='a@example.org'><body>" + String(repeating: "x", count: 200) + "</body></message>"
        let c2s = Array(webSocketUpgradeRequest.utf8)
            + clientFrame(opcode: 0x1, open)
            + clientFrame(opcode: 0x1, "<iq type='set' id='b1'>", fin: false)
            + webSocketFrame(opcode: 0x9, Array("p1".utf8), mask: [1, 2, 3, 4])
            + clientFrame(opcode: 0x0, "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>", fin: false)
            + clientFrame(opcode: 0x0, "</iq>")
            + clientFrame(opcode: 0x1, long)
            + webSocketFrame(opcode: 0x8, [0x03, 0xE8] + Array("bye".utf8), mask: [9, 8, 7, 6])
        let s2c = Array(webSocketUpgradeResponse.utf8)
            + serverFrame(opcode: 0x1, open)
            + serverFrame(opcode: 0x1, features)
            + webSocketFrame(opcode: 0xA, Array("p1".utf8))
            + webSocketFrame(opcode: 0x8, [0x03, 0xE8])
        return (c2s, s2c)
    }

    @Test("the conversation: handshake, messages joined and unmasked, controls, offsets and sizes")
    func conversationEvents() throws {
        let (c2s, s2c) = Self.conversation()
        let harness = WebDecoderHarness()
        harness.feed(.c2s, c2s)
        harness.feed(.s2c, s2c)
        harness.finish()
        #expect(harness.handshakes == [WebSocketHandshake(requestIndex: 0, offeredProtocols: ["xmpp", "other"], agreedProtocol: "xmpp",
                                                          extensions: nil, deflate: nil)])
        let sent = harness.messages(.c2s)
        try #require(sent.count == 3)
        #expect(sent.map(\.frames) == [1, 3, 1])
        #expect(String(decoding: sent[1].payload, as: UTF8.self) == "<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")
        let head = webSocketUpgradeRequest.utf8.count
        #expect(sent[0].offset == head)
        #expect(sent[0].wireBytes == clientFrame(opcode: 1, Self.open).count)
        // The fragmented message's size leaves out the ping between its fragments.
        let iqFrames = clientFrame(opcode: 1, "<iq type='set' id='b1'>", fin: false).count
            + clientFrame(opcode: 0, "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>", fin: false).count + clientFrame(opcode: 0, "</iq>").count
        #expect(sent[1].wireBytes == iqFrames)
        #expect(sent[2].payload.count == 251 && sent[2].wireBytes == 251 + 8)
        #expect(sent.allSatisfy { $0.isText && !$0.compressed })
        #expect(harness.controls(.c2s) == [.ping(payload: Array("p1".utf8)), .close(code: 1000, reason: "bye")])
        #expect(harness.messages(.s2c).map { String(decoding: $0.payload, as: UTF8.self) } == [Self.open, Self.features])
        #expect(harness.controls(.s2c) == [.pong(payload: Array("p1".utf8)), .close(code: 1000, reason: "")])
        #expect(harness.problems(.c2s).isEmpty && harness.problems(.s2c).isEmpty)
        // The ping between the fragments comes before the message they make.
        let order = harness.events(of: .c2s).compactMap { event -> String? in
            switch event {
            case .webSocketControl(_, .ping, _): "ping"
            case .webSocketMessage: "message"
            default: nil
            }
        }
        #expect(order == ["message", "ping", "message", "message"])
    }

    @Test("every split of the conversation, 1 to N bytes a feed, both directions interleaved, gives the same events")
    func everySplit() {
        let (c2s, s2c) = Self.conversation()
        let whole = WebDecoderHarness()
        whole.feed(.c2s, c2s)
        whole.feed(.s2c, s2c)
        whole.finish()
        let expected = (whole.events(of: .c2s), whole.events(of: .s2c))
        #expect(expected.0.count == 6 && expected.1.count == 6)
        var compared = 0
        for size in 1...max(c2s.count, s2c.count) {
            let harness = WebDecoderHarness()
            // The server answers once the request is in, as on any real connection.
            var offsets = (0, 0)
            while offsets.0 < webSocketUpgradeRequest.utf8.count {
                let end = min(c2s.count, offsets.0 + size)
                harness.feed(.c2s, Array(c2s[offsets.0..<end]))
                offsets.0 = end
            }
            while offsets.0 < c2s.count || offsets.1 < s2c.count {
                if offsets.0 < c2s.count {
                    let end = min(c2s.count, offsets.0 + size)
                    harness.feed(.c2s, Array(c2s[offsets.0..<end]))
                    offsets.0 = end
                }
                if offsets.1 < s2c.count {
                    let end = min(s2c.count, offsets.1 + size)
                    harness.feed(.s2c, Array(s2c[offsets.1..<end]))
                    offsets.1 = end
                }
            }
            harness.finish()
            #expect(harness.events(of: .c2s) == expected.0, "split into \(size)-byte feeds")
            #expect(harness.events(of: .s2c) == expected.1, "split into \(size)-byte feeds")
            compared += 1
        }
        #expect(compared == max(c2s.count, s2c.count))
    }

    /// A harness past the handshake.
    static func opened(limits: WebLimits = .default, extensions: String? = nil) -> WebDecoderHarness {
        let harness = WebDecoderHarness(limits: limits)
        harness.feed(.c2s, webSocketUpgradeRequest)
        var response = webSocketUpgradeResponse
        if let extensions {
            response = response.replacingOccurrences(of: "\r\n\r\n", with: "\r\nSec-WebSocket-Extensions: \(extensions)\r\n\r\n")
        }
        harness.feed(.s2c, response)
        return harness
    }

    @Test("a masked server frame and an unmasked client frame: reported, and still decoded")
    func masking() {
        let harness = Self.opened()
        let serverStart = webSocketUpgradeResponse.utf8.count
        let clientStart = webSocketUpgradeRequest.utf8.count
        harness.feed(.s2c, webSocketFrame(opcode: 1, Array(Self.open.utf8), mask: [1, 2, 3, 4]))
        harness.feed(.c2s, serverFrame(opcode: 1, Self.open))
        harness.finish()
        #expect(harness.problems(.s2c) == [WebProblem(kind: .maskedServerFrame, offset: serverStart)])
        #expect(harness.problems(.c2s) == [WebProblem(kind: .unmaskedClientFrame, offset: clientStart)])
        #expect(harness.messages(.s2c).map(\.payload) == [Array(Self.open.utf8)])
        #expect(harness.messages(.c2s).map(\.payload) == [Array(Self.open.utf8)])
    }

    @Test("a 100 KB message in 7,001-byte feeds, then 40 small messages 3 to a feed with a frame cut at each feed's end: all decoded, in order")
    func largeMessageThenSmallOnes() throws {
        let harness = Self.opened()
        let large = "<message><body>" + String(repeating: "0123456789", count: 10_000) + "</body></message>"
        let largeFrame = clientFrame(opcode: 1, large)
        var index = 0
        var feeds = 0
        while index < largeFrame.count {
            let end = min(largeFrame.count, index + 7_001)
            harness.feed(.c2s, Array(largeFrame[index..<end]))
            index = end
            feeds += 1
        }
        #expect(feeds == 15)
        let small = (0..<40).map { "<iq id='q\($0)' type='get'/>" }
        let smallBytes = small.flatMap { clientFrame(opcode: 1, $0) }
        // Three and a half frames a feed: every feed but the last ends inside a frame.
        let cut = (clientFrame(opcode: 1, small[0]).count * 7) / 2
        index = 0
        while index < smallBytes.count {
            let end = min(smallBytes.count, index + cut)
            harness.feed(.c2s, Array(smallBytes[index..<end]))
            index = end
        }
        harness.finish()
        let sent = harness.messages(.c2s).map { String(decoding: $0.payload, as: UTF8.self) }
        try #require(sent.count == 41)
        #expect(sent[0] == large)
        #expect(Array(sent.dropFirst()) == small)
        #expect(harness.problems(.c2s).isEmpty)
    }

    @Test("a frame over the size limit is reported and skipped; the next frame is decoded")
    func frameTooLarge() {
        let harness = Self.opened(limits: WebLimits(maxMessageBytes: 100))
        let big = serverFrame(opcode: 1, String(repeating: "a", count: 150))
        harness.feed(.s2c, big + serverFrame(opcode: 1, "<r/>"))
        // A fragmented message whose parts together pass the limit is dropped too.
        harness.feed(.s2c, serverFrame(opcode: 1, String(repeating: "b", count: 60), fin: false)
                     + serverFrame(opcode: 0, String(repeating: "c", count: 60)) + serverFrame(opcode: 1, "<s/>"))
        harness.finish()
        let start = webSocketUpgradeResponse.utf8.count
        #expect(harness.problems(.s2c) == [WebProblem(kind: .frameTooLarge(size: 150, limit: 100), offset: start),
                                          WebProblem(kind: .frameTooLarge(size: 120, limit: 100), offset: start + big.count + 6)])
        #expect(harness.messages(.s2c).map { String(decoding: $0.payload, as: UTF8.self) } == ["<r/>", "<s/>"])
        #expect(harness.messages(.s2c).first?.offset == start + big.count)
    }

    @Test("invalid UTF-8 in a text message: a problem, and the message still passed on")
    func invalidUTF8() {
        let harness = Self.opened()
        let bad: [UInt8] = Array("<message>".utf8) + [0xC3, 0x28] + Array("</message>".utf8)
        let overlong: [UInt8] = [0xE0, 0x80, 0xAF]
        let good = Array("<m>héllo ✓ 𝄞</m>".utf8)
        harness.feed(.s2c, webSocketFrame(opcode: 1, bad) + webSocketFrame(opcode: 1, good) + webSocketFrame(opcode: 1, overlong)
                     + webSocketFrame(opcode: 2, bad))
        harness.finish()
        let start = webSocketUpgradeResponse.utf8.count
        #expect(harness.problems(.s2c) == [WebProblem(kind: .invalidUTF8, offset: start),
                                          WebProblem(kind: .invalidUTF8, offset: start + 2 * 2 + bad.count + good.count)])
        #expect(harness.messages(.s2c).map(\.payload) == [bad, good, overlong, bad])
    }

    @Test("reserved bits and opcodes, fragmented control frames, stray continuations: protocol problems, decoding goes on")
    func protocolErrors() {
        let harness = Self.opened()
        var bytes = webSocketFrame(opcode: 0x3, [1, 2])                          // reserved opcode
        bytes += webSocketFrame(opcode: 0x1, Array("<a/>".utf8), rsv1: true)     // RSV1 without deflate
        bytes += webSocketFrame(opcode: 0x9, [], fin: false)                     // fragmented ping
        bytes += webSocketFrame(opcode: 0x0, Array("<b/>".utf8))                 // continuation of nothing
        bytes += webSocketFrame(opcode: 0x1, Array("<c/>".utf8), longLength: true)  // 64-bit length for 4 bytes: allowed
        bytes += webSocketFrame(opcode: 0x8, [0x03])                              // a close code cut short
        harness.feed(.s2c, bytes)
        harness.finish()
        let kinds = harness.problems(.s2c).map(\.kind)
        #expect(kinds.count == 5)
        #expect(kinds.allSatisfy { if case .webSocketProtocol = $0 { true } else { false } })
        #expect(harness.messages(.s2c).map { String(decoding: $0.payload, as: UTF8.self) } == ["<c/>"])
        #expect(harness.controls(.s2c) == [.close(code: nil, reason: "")])
    }

    @Test("a connection that ends inside a fragmented message or a frame: truncated")
    func truncated() {
        let harness = Self.opened()
        harness.feed(.s2c, serverFrame(opcode: 1, "<a", fin: false))
        harness.feed(.c2s, Array(clientFrame(opcode: 1, Self.open).prefix(10)))
        harness.finish()
        #expect(harness.problems(.s2c).count == 1)
        #expect(harness.problems(.c2s).count == 1)
        #expect(harness.problems(.c2s).allSatisfy { if case .truncated = $0.kind { true } else { false } })
        #expect(harness.problems(.s2c).allSatisfy { if case .truncated = $0.kind { true } else { false } })
    }

    @Test("an upgrade never answered: the frames sent after it are held, then reported not decoded")
    func upgradeNeverAnswered() {
        let harness = WebDecoderHarness()
        let frame = clientFrame(opcode: 1, Self.open)
        harness.feed(.c2s, Array(webSocketUpgradeRequest.utf8) + frame)
        harness.finish()
        #expect(harness.requests.count == 1)
        #expect(harness.messages(.c2s).isEmpty)
        let problems = harness.problems(.c2s)
        #expect(problems.count == 1)
        #expect(problems.first?.offset == webSocketUpgradeRequest.utf8.count)
        if case .truncated = problems.first?.kind {} else { Issue.record("not truncated: \(problems)") }
    }

    /// An upgrade request with a body: `POST` and a `Content-Length`, which a browser never sends
    /// but a fuzzed or hand-made client may.
    static func upgradeWithBody(_ payload: String) -> String {
        "POST /xmpp-websocket HTTP/1.1\r\nHost: example.org\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Protocol: xmpp\r\nContent-Length: \(payload.utf8.count)\r\n\r\n" + payload
    }

    static func kind(_ event: WebEvent) -> String {
        switch event {
        case .request: "request"
        case .response: "response"
        case .webSocketOpened: "opened"
        case .webSocketMessage(let message): "message \(message.direction)"
        case .webSocketControl: "control"
        case .problem(let direction, _): "problem \(direction)"
        }
    }

    @Test("a 101 sent while the upgrade request's body is still coming: the request, the 101, then the switch, at every point in the body")
    func switchBeforeRequestEnds() {
        // CI's web fuzzer found the handshake said before its request: the 101 opened the
        // WebSocket at once, and the request's end was then never read.
        let payload = String(repeating: "x", count: 30)
        let upgrade = Array(Self.upgradeWithBody(payload).utf8)
        let headEnd = upgrade.count - payload.utf8.count
        let response = Array(webSocketUpgradeResponse.utf8)
        let sent = clientFrame(opcode: 1, Self.open)
        let answered = serverFrame(opcode: 1, Self.open) + serverFrame(opcode: 1, Self.features)
        var cuts = 0
        for cut in headEnd..<upgrade.count {
            for serverSplit in [response.count, response.count + 3] {
                let harness = WebDecoderHarness()
                harness.feed(.c2s, Array(upgrade[..<cut]))
                harness.feed(.s2c, Array((response + answered)[..<serverSplit]))
                harness.feed(.s2c, Array((response + answered)[serverSplit...]))
                harness.feed(.c2s, Array(upgrade[cut...]) + sent)
                harness.finish()
                let at = "101 after \(cut) bytes of the request, \(serverSplit) of the server's"
                #expect(harness.events.map(Self.kind) == ["request", "response", "opened", "message s2c", "message s2c", "message c2s"], "\(at)")
                #expect(harness.requests.first?.body == Array(payload.utf8), "\(at)")
                #expect(harness.responses.map(\.info.status) == [101], "\(at)")
                #expect(harness.handshakes.map(\.requestIndex) == [0], "\(at)")
                #expect(harness.messages(.s2c).map(\.offset) == [response.count, response.count + serverFrame(opcode: 1, Self.open).count], "\(at)")
                #expect(harness.messages(.c2s).map(\.offset) == [upgrade.count], "\(at)")
                #expect(harness.messages(.c2s).map { String(decoding: $0.payload, as: UTF8.self) } == [Self.open], "\(at)")
                cuts += 1
            }
        }
        #expect(cuts == 2 * payload.utf8.count)
    }

    @Test("a 101 sent before the upgrade request ended, and the request never ends: the 101 is said, the server's frames reported not decoded")
    func switchBeforeRequestThatNeverEnds() {
        let payload = String(repeating: "x", count: 30)
        let upgrade = Array(Self.upgradeWithBody(payload).utf8)
        let response = Array(webSocketUpgradeResponse.utf8)
        let answered = serverFrame(opcode: 1, Self.open)
        let endings: [(String, (WebDecoderHarness) -> Void)] = [
            ("a gap", { $0.gap(.c2s, missing: 5) }),
            ("the end", { _ in }),
        ]
        var checked = 0
        for (label, ending) in endings {
            let harness = WebDecoderHarness()
            harness.feed(.c2s, Array(upgrade.dropLast(10)))
            harness.feed(.s2c, response + answered)
            #expect(harness.events.isEmpty, "\(label): held until the request ends")
            ending(harness)
            harness.finish()
            #expect(harness.requests.isEmpty, "\(label)")
            #expect(harness.handshakes.isEmpty, "\(label)")
            #expect(harness.responses.map(\.info.status) == [101], "\(label)")
            let problems = harness.problems(.s2c)
            #expect(problems.count == 1, "\(label)")
            #expect(problems.first?.offset == response.count, "\(label)")
            if case .truncated = problems.first?.kind {} else { Issue.record("\(label): not truncated: \(problems)") }
            checked += 1
        }
        #expect(checked == 2)
    }

    @Test("a 101 sent before the upgrade request ended, nothing after it, and the request never ends: the 101 alone")
    func switchBeforeRequestThatNeverEndsNothingHeld() {
        let upgrade = Array(Self.upgradeWithBody(String(repeating: "x", count: 30)).utf8)
        let harness = WebDecoderHarness()
        harness.feed(.c2s, Array(upgrade.dropLast(10)))
        harness.feed(.s2c, webSocketUpgradeResponse)
        harness.finish()
        // Only the request cut short is reported: nothing of the server's was left undecoded.
        #expect(harness.events.map(Self.kind) == ["problem c2s", "response"])
    }

    @Test("a 101 to another protocol sent before the upgrade request ended: the request and the 101 are said, then neither direction is decoded")
    func otherSwitchBeforeRequestEnds() {
        let payload = String(repeating: "x", count: 30)
        let upgrade = "POST /x HTTP/1.1\r\nHost: example.org\r\nUpgrade: h2c\r\nConnection: Upgrade\r\nContent-Length: 30\r\n\r\n" + payload
        let response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n"
        let harness = WebDecoderHarness()
        harness.feed(.c2s, String(upgrade.dropLast(10)))
        harness.feed(.s2c, response + "PRI * HTTP/2.0")
        harness.feed(.c2s, String(upgrade.suffix(10)) + "more bytes")
        harness.finish()
        #expect(harness.events.map(Self.kind) == ["request", "response", "problem s2c"])
        #expect(harness.problems(.s2c).first?.offset == response.utf8.count)
        #expect(harness.problems(.c2s).isEmpty)
    }

    @Test("a 101 held for the upgrade request's end, when the server's side has a gap or sends too much meanwhile: the problem is said after the 101")
    func serverProblemWhileSwitchHeld() {
        let payload = String(repeating: "x", count: 30)
        let upgrade = Array(Self.upgradeWithBody(payload).utf8)
        let response = Array(webSocketUpgradeResponse.utf8)
        let limits = WebLimits(maxHeadBytes: 256, maxBodyBytes: 64, maxMessageBytes: 64)
        let bound = limits.maxHeadBytes + limits.maxMessageBytes
        let cases: [(String, (WebDecoderHarness) -> Void)] = [
            ("a gap", { $0.gap(.s2c, missing: 7) }),
            ("too many bytes held", { $0.feed(.s2c, serverFrame(opcode: 1, String(repeating: "y", count: bound))) }),
        ]
        var checked = 0
        for (label, trouble) in cases {
            let harness = WebDecoderHarness(limits: limits)
            harness.feed(.c2s, Array(upgrade.dropLast(10)))
            harness.feed(.s2c, response)
            trouble(harness)
            #expect(harness.events.isEmpty, "\(label): held until the request ends")
            harness.feed(.c2s, Array(upgrade.suffix(10)) + clientFrame(opcode: 1, "<iq id='1'/>"))
            harness.finish()
            #expect(harness.events.map(Self.kind) == ["request", "response", "problem s2c", "opened", "message c2s"], "\(label)")
            #expect(harness.problems(.s2c).map(\.offset) == [response.count], "\(label)")
            #expect(harness.messages(.s2c).isEmpty, "\(label)")
            checked += 1
        }
        #expect(checked == 2)
    }

    @Test("a 101 to an upgrade request the client's direction stopped inside (a broken chunk, a gap): no handshake, nothing more decoded")
    func switchAfterRequestNotRead() {
        // Found by a second reader's fuzzing: the 101 opened a WebSocket for a request never said.
        let chunked = "POST /xmpp-websocket HTTP/1.1\r\nHost: example.org\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Protocol: xmpp\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n"
        let payload = String(repeating: "x", count: 30)
        let upgrade = Array(Self.upgradeWithBody(payload).utf8)
        let response = Array(webSocketUpgradeResponse.utf8)
        let stops: [(String, (WebDecoderHarness) -> Void)] = [
            ("a broken chunk", { $0.feed(.c2s, chunked) }),
            ("a gap in the body", { $0.feed(.c2s, Array(upgrade.dropLast(10))); $0.gap(.c2s, missing: 10) }),
        ]
        var checked = 0
        for (label, stopping) in stops {
            let harness = WebDecoderHarness()
            stopping(harness)
            harness.feed(.s2c, response + serverFrame(opcode: 1, Self.open))
            harness.feed(.c2s, clientFrame(opcode: 1, Self.open))
            harness.finish()
            #expect(harness.requests.isEmpty, "\(label)")
            #expect(harness.handshakes.isEmpty, "\(label)")
            #expect(harness.responses.map(\.info.status) == [101], "\(label)")
            #expect(harness.messages(.c2s).isEmpty && harness.messages(.s2c).isEmpty, "\(label)")
            #expect(harness.problems(.c2s).count == 1, "\(label)")
            let server = harness.problems(.s2c)
            #expect(server.map(\.offset) == [response.count], "\(label)")
            if case .truncated = server.first?.kind {} else { Issue.record("\(label): not truncated: \(server)") }
            checked += 1
        }
        #expect(checked == 2)
    }

    @Test("permessage-deflate parameters read from Sec-WebSocket-Extensions")
    func deflateParameters() {
        #expect(PerMessageDeflate(extensionsHeader: "permessage-deflate") == PerMessageDeflate())
        #expect(PerMessageDeflate(extensionsHeader: "x-foo, permessage-deflate; client_no_context_takeover; server_max_window_bits=\"10\"; client_max_window_bits=9")
            == PerMessageDeflate(clientNoContextTakeover: true, serverNoContextTakeover: false, clientMaxWindowBits: 9, serverMaxWindowBits: 10))
        #expect(PerMessageDeflate(extensionsHeader: "x-webkit-deflate-frame") == nil)
        // Empty parameters name nothing (the fuzzer's `; ` at the end crashed the reading of them).
        #expect(PerMessageDeflate(extensionsHeader: "permessage-deflate; ; server_no_context_takeover; ")
            == PerMessageDeflate(clientNoContextTakeover: false, serverNoContextTakeover: true, clientMaxWindowBits: 15, serverMaxWindowBits: 15))
        #expect(PerMessageDeflate(extensionsHeader: "permessage-deflate;;") == PerMessageDeflate())
    }
}
