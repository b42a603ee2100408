import Testing
import XMPPCore
import XMPPCapture
@testable import XMPPInspect
import XMPPBase

/// The proxy's lifecycle records through the same path as the decoded ones: the inspector
/// numbers them, the log writes and reads them back, filters and the printer see them.
@Suite("Proxy records")
struct ProxyRecordTests {
    private func session() -> [Record] {
        var records: [Record] = []
        let inspector = Inspector(options: InspectorOptions(tlsTerminated: true)) { records.append($0) }
        let start = Timestamp(microseconds: 1_764_000_000_000_000)
        inspector.connectionOpened(TCPConnectionInfo(
            id: 3, client: Endpoint(address: .v4(0x7F00_0001), port: 40000), server: Endpoint(address: .v4(0x7F00_0001), port: 5222),
            sawHandshake: true, firstPacket: 0, openedAt: start
        ))
        inspector.connection(3, proxyEvent: .connect, ProxyInfo(client: "127.0.0.1:40000", listener: "127.0.0.1:15222", server: "127.0.0.1:5222"),
                             direction: .c2s, at: start)
        let header = "<stream:stream to='x.test' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
        Array((header + "<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>").utf8).withUnsafeBytes {
            inspector.connection(3, received: $0, direction: .c2s, at: start)
        }
        inspector.connection(3, proxyEvent: .tlsEstablished,
                             ProxyInfo(tlsVersion: "TLSv1.3", certificateSubject: "CN=x.test", serverName: "x.test", alpn: "xmpp-client"),
                             direction: .s2c, at: start)
        inspector.connection(3, proxyEvent: .proxyNote, ProxyInfo(notes: ["edited the server's stream features: removed SASL mechanism SCRAM-SHA-1-PLUS", "a \"quoted\" note"]),
                             direction: .s2c, at: start)
        inspector.connectionClosed(3, reason: .fin, at: start)
        inspector.connection(3, proxyEvent: .close,
                             ProxyInfo(closedBy: "server", reason: "it closed its side (FIN)", bytes: .init(c2s: 123, s2c: 4567)),
                             direction: .s2c, at: start)
        return records
    }

    @Test("numbered in order with the decoded records; the close comes after the unanswered follow-up")
    func ordered() {
        let records = session()
        #expect(records.map(\.event) == [.connect, .streamOpen, .stanza, .tlsEstablished, .proxyNote, .stanza, .close])
        #expect(records.map(\.seq) == [1, 2, 3, 4, 5, 3, 6])
        #expect(records[5].unanswered)
        #expect(records.map(\.kind) == ["connect", "stream", "iq", "tls", "note", "iq", "close"])
    }

    @Test("written and read back unchanged; the JSON carries the proxy object")
    func roundTrip() throws {
        for record in session() where record.event.isProxyLifecycle {
            var line: [UInt8] = []
            JSONLinesWriter.encode(record, into: &line)
            let text = String(decoding: line, as: UTF8.self)
            #expect(text.contains(#""proxy":{"#))
            let back = try line.withUnsafeBufferPointer { try RecordDecoder.decode($0) }
            #expect(back.event == record.event && back.kind == record.kind && back.direction == record.direction)
            #expect(back.proxy == record.proxy)
            var again: [UInt8] = []
            JSONLinesWriter.encode(back, into: &again)
            #expect(again == line)
        }
    }

    @Test("filters select them by event and kind; tls matches both TLS records")
    func filtered() throws {
        let records = session()
        func selected(_ source: String) throws -> [Record.Event] {
            let filter = try RecordFilter(source)
            return records.filter(filter.matches).map(\.event)
        }
        #expect(try selected(#"event == "close""#) == [.close])
        #expect(try selected("tls") == [.tlsEstablished])
        #expect(try selected(#"kind == "note""#) == [.proxyNote])
        #expect(try selected("iq") == [.stanza, .stanza])
    }

    @Test("the printer shows addresses, TLS details, notes and the close")
    func printed() {
        let printer = PrettyPrinter(output: BufferedOutput(), style: .plain)
        let text = session().map(printer.render).joined()
        #expect(text.contains("connect 127.0.0.1:40000 → 127.0.0.1:15222 → 127.0.0.1:5222"))
        #expect(text.contains("TLS with the server TLSv1.3  certificate CN=x.test  sni x.test  alpn xmpp-client"))
        #expect(text.contains("removed SASL mechanism SCRAM-SHA-1-PLUS"))
        #expect(text.contains("close by server (it closed its side (FIN))  123 B c2s, 4567 B s2c"))
    }
}
