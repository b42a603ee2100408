import Testing
import XMPPCore
@testable import XMPPInspect
import XMPPBase

/// XMPP over WebSocket (RFC 7395) through the inspector: the upgrade, `<open/>`/`<close/>` as the
/// stream's header and close, one stanza per message, control frames, and what breaks the rules.
@Suite("WebSocket transport")
struct WebSocketTransportTests {
    typealias Build = WebTrafficBuilder

    static let clientMessages = [
        "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='example.org' version='1.0'/>",
        "<iq xmlns='jabber:client' type='get' id='roster1'><query xmlns='jabber:iq:roster'/></iq>",
        "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>",
    ]
    static let serverMessages = [
        "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='example.org' id='s1' version='1.0'/>",
        "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>",
        "<iq xmlns='jabber:client' type='result' id='roster1'><query xmlns='jabber:iq:roster'/></iq>",
        "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>",
    ]

    /// A whole session on connection 1, each direction's bytes split into `chunk`-byte feeds.
    static func session(chunk: Int = .max) -> [Record] {
        let build = Build()
        build.open(1)
        func send(_ direction: Direction, _ bytes: [UInt8]) {
            var index = 0
            while index < bytes.count {
                let end = min(bytes.count, index + chunk)
                build.send(1, direction, Array(bytes[index..<end]))
                index = end
            }
        }
        send(.c2s, Array(Build.upgradeRequest().utf8))
        send(.s2c, Array(Build.switchingProtocols().utf8))
        send(.c2s, Build.text(clientMessages[0], from: .c2s))
        send(.s2c, Build.text(serverMessages[0], from: .s2c) + Build.text(serverMessages[1], from: .s2c))
        send(.c2s, Build.text(clientMessages[1], from: .c2s))
        send(.s2c, Build.text(serverMessages[2], from: .s2c))
        send(.c2s, Build.text(clientMessages[2], from: .c2s))
        send(.s2c, Build.text(serverMessages[3], from: .s2c) + Build.close(code: 1000, reason: "bye", from: .s2c))
        send(.c2s, Build.close(code: 1000, reason: "bye", from: .c2s))
        build.close(1)
        return build.records
    }

    @Test("the upgrade, the stream and its stanzas, the closes: every record, in order, over websocket")
    func wholeSession() {
        let records = Self.session()
        let summary = records.map { "\($0.direction.rawValue) \($0.event.rawValue) \($0.kind ?? "-")" }
        #expect(summary == [
            "c2s http request", "s2c http response",
            "c2s stream-open open", "s2c stream-open open", "s2c nonza features",
            "c2s stanza iq", "s2c stanza iq",
            "c2s stream-close stream", "s2c stream-close stream",
            "s2c websocket close", "c2s websocket close",
        ])
        #expect(records.allSatisfy { $0.transport == .websocket })
        #expect(records.allSatisfy { $0.connection == 1 })
        #expect(records[0].http?.method == "GET" && records[0].http?.target == "/xmpp-websocket")
        #expect(records[0].http?.webSocketProtocol == "xmpp")
        #expect(records[1].http?.status == 101 && records[1].http?.webSocketProtocol == "xmpp")
        let result = records[6]
        #expect(result.requestSeq == records[5].seq && result.rttMilliseconds != nil)
        #expect(records[9].http?.closeCode == 1000 && records[9].http?.closeReason == "bye")
        #expect(records[2].namespaces.first == XMPPNamespace.client)
        #expect(!records.contains { $0.event == .webError || $0.event == .parseError || $0.event == .finding && $0.finding?.severity == .error })
    }

    @Test("every split of the bytes gives the same records", arguments: [1, 2, 3, 5, 7, 13, 64])
    func everySplit(chunk: Int) {
        func key(_ record: Record) -> String {
            "\(record.seq) \(record.direction) \(record.event) \(record.kind ?? "") \(record.id ?? "") \(record.xml ?? "") \(record.requestSeq ?? 0)"
        }
        #expect(Self.session(chunk: chunk).map(key) == Self.session().map(key))
    }

    @Test("a message with two stanzas, one with none, a binary one and one cut inside an element are web errors; the stanzas still come out")
    func rfc7395Violations() {
        let build = Build()
        build.open(1)
        build.send(1, .c2s, Build.upgradeRequest())
        build.send(1, .s2c, Build.switchingProtocols())
        build.send(1, .c2s, Build.text(Self.clientMessages[0], from: .c2s))
        build.send(1, .c2s, Build.text("<presence xmlns='jabber:client'/><presence xmlns='jabber:client' type='unavailable'/>", from: .c2s))
        build.send(1, .c2s, Build.text("  ", from: .c2s))
        build.send(1, .c2s, Build.frame(Array("<presence xmlns='jabber:client'/>".utf8), opcode: 2, masked: true))
        build.send(1, .c2s, Build.text("<message xmlns='jabber:client'><body>cut", from: .c2s))
        build.send(1, .c2s, Build.text("<iq xmlns='jabber:client' type='get' id='after'><ping xmlns='urn:xmpp:ping'/></iq>", from: .c2s))
        build.close(1)
        let errors = build.records.filter { $0.event == .webError }.compactMap(\.error?.text)
        #expect(errors.count == 4)
        #expect(errors.contains { $0.contains("holding 2 elements") })
        #expect(errors.contains { $0.contains("no element") })
        #expect(errors.contains { $0.contains("binary") })
        #expect(errors.contains { $0.contains("does not end with a whole element") })
        #expect(build.records.stanzas.map(\.kind) == ["presence", "presence", "presence", "iq"])
        #expect(build.records.stanzas.last?.id == "after")
    }

    @Test("a refused upgrade is a record with its status and an error; a server agreeing to no protocol is a web error")
    func refused() {
        let build = Build()
        build.open(1)
        build.send(1, .c2s, Build.upgradeRequest(origin: "https://evil.example"))
        build.send(1, .s2c, Build.status(403, "Forbidden"))
        build.close(1)
        build.open(2, clientPort: 40001)
        build.send(2, .c2s, Build.upgradeRequest())
        build.send(2, .s2c, Build.switchingProtocols(protocolName: nil))
        build.close(2)
        let refused = build.records.filter { $0.connection == 1 }
        #expect(refused.map(\.event) == [.http, .http])
        #expect(refused[0].http?.origin == "https://evil.example")
        #expect(refused[1].http?.status == 403 && refused[1].error?.condition == "http-403")
        let noProtocol = build.records.filter { $0.connection == 2 && $0.event == .webError }
        #expect(noProtocol.count == 1)
        #expect(noProtocol.first?.error?.text?.contains("names no subprotocol") == true)
    }

    @Test("an upgrade to an XMPP endpoint without the xmpp subprotocol is shown with its refusal; one elsewhere is not")
    func missingSubprotocol() {
        let build = Build()
        build.open(1)
        build.send(1, .c2s, Build.upgradeRequest(path: "/xmpp-websocket", protocols: "chat"))
        build.send(1, .s2c, Build.status(501, "Not Implemented"))
        build.close(1)
        build.open(2, clientPort: 40001)
        build.send(2, .c2s, Build.upgradeRequest(path: "/chat", protocols: "chat"))
        build.send(2, .s2c, Build.switchingProtocols(protocolName: "chat"))
        build.close(2)
        #expect(build.records.map(\.connection) == [1, 1])
        #expect(build.records.last?.http?.status == 501 && build.records.last?.error?.condition == "http-501")
        #expect(build.records.first?.http?.webSocketProtocol == "chat")
    }

    @Test("HTTP that carries no XMPP is not shown")
    func otherHTTP() {
        let build = Build()
        build.open(1)
        build.send(1, .c2s, "GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        build.send(1, .s2c, Build.ok("<html>not xmpp</html>"))
        build.close(1)
        #expect(build.records.isEmpty)
    }

    @Test("a <close/> that sends the client elsewhere shows its see-other-uri, live and read back from the log; a plain close does not")
    func seeOtherURI() throws {
        let build = Build()
        build.open(1)
        build.send(1, .c2s, Build.upgradeRequest())
        build.send(1, .s2c, Build.switchingProtocols())
        build.send(1, .c2s, Build.text(Self.clientMessages[0], from: .c2s))
        build.send(1, .s2c, Build.text(Self.serverMessages[0], from: .s2c))
        build.send(1, .s2c, Build.text("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing' see-other-uri='wss://other.example/xmpp'/>", from: .s2c))
        build.send(1, .c2s, Build.text(Self.clientMessages[2], from: .c2s))
        build.close(1)
        let closes = build.records.filter { $0.event == .streamClose }
        #expect(closes.map(\.direction) == [.s2c, .c2s])
        let printer = PrettyPrinter(output: BufferedOutput(), style: .plain)
        var lines: [String] = []
        for record in closes {
            var line: [UInt8] = []
            JSONLinesWriter.encode(record, into: &line)
            let back = try line.withUnsafeBufferPointer { try RecordDecoder.decode($0) }
            #expect(back.element == nil)
            let live = printer.render(record)
            #expect(printer.render(back) == live)
            lines.append(live)
        }
        #expect(lines.count == 2)
        #expect(lines.first?.contains("stream close  see-other-uri wss://other.example/xmpp") == true)
        #expect(lines.last?.contains("see-other-uri") == false)
    }
}
