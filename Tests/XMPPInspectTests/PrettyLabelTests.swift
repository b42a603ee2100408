import Testing
import XMPPCore
import XMPPCapture
@testable import XMPPInspect
import XMPPBase

/// The pretty output's namespace labels (short name and spec, the spec's title once or with
/// --explain) and when a stream header gets a `content:` line.
@Suite("Pretty output: labels and stream content")
struct PrettyLabelTests {
    private static let streams = "xmlns:stream='http://etherx.jabber.org/streams'"
    private static let start = Timestamp(microseconds: 1_764_000_000_000_000)

    /// The records of one connection per entry: (what the client sent, what the server sent).
    private func records(_ connections: [(c2s: String, s2c: String)]) -> [Record] {
        var records: [Record] = []
        let inspector = Inspector(options: InspectorOptions(checks: nil)) { records.append($0) }
        for (id, texts) in connections.enumerated() {
            inspector.connectionOpened(TCPConnectionInfo(
                id: id, client: Endpoint(address: .v4(0x7F00_0001), port: UInt16(40000 + id)),
                server: Endpoint(address: .v4(0x7F00_0001), port: 5222), sawHandshake: true, firstPacket: 0, openedAt: Self.start))
            Array(texts.c2s.utf8).withUnsafeBytes { inspector.connection(id, received: $0, direction: .c2s, at: Self.start) }
            Array(texts.s2c.utf8).withUnsafeBytes { inspector.connection(id, received: $0, direction: .s2c, at: Self.start) }
            inspector.connectionClosed(id, reason: .fin, at: Self.start)
        }
        return records
    }

    private func printed(_ records: [Record], explain: Bool = false) -> String {
        let printer = PrettyPrinter(output: BufferedOutput(), style: .plain, explain: explain)
        return records.map(printer.render).joined()
    }

    private static let session = (
        c2s: "<stream:stream xmlns='jabber:client' \(streams) to='x.test' version='1.0'>"
            + "<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>"
            + "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>"
            + "<iq type='get' id='r2'><query xmlns='jabber:iq:roster'/></iq>"
            + "<iq type='get' id='d1'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
        s2c: "<stream:stream xmlns='jabber:client' \(streams) from='x.test' id='s1' version='1.0'>"
            + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"
    )

    @Test("a label is the short name and spec; the spec's title follows the first time only")
    func shortLabels() {
        let text = printed(records([Self.session]))
        let core = "RFC 6120 Extensible Messaging and Presence Protocol (XMPP): Core"
        let im = "RFC 6121 Extensible Messaging and Presence Protocol (XMPP): Instant Messaging and Presence"
        #expect(text.components(separatedBy: "# bind · " + core).count == 2, "\(text)")
        #expect(text.components(separatedBy: "# sasl · RFC 6120\n").count == 2, "\(text)")
        #expect(text.components(separatedBy: "# roster · " + im).count == 2, "\(text)")
        #expect(text.components(separatedBy: "# roster · RFC 6121\n").count == 2, "\(text)")
        #expect(text.components(separatedBy: "# disco#info · XEP-0030 Service Discovery").count == 2, "\(text)")
        #expect(!text.contains("# query"), "the element's own name is not repeated in its label")
    }

    @Test("--explain gives the title every time")
    func explained() {
        let text = printed(records([Self.session]), explain: true)
        let im = "RFC 6121 Extensible Messaging and Presence Protocol (XMPP): Instant Messaging and Presence"
        #expect(text.components(separatedBy: "# roster · " + im + "\n").count == 3, "\(text)")
        #expect(text.components(separatedBy: "· RFC 6120 Extensible Messaging and Presence Protocol (XMPP): Core\n").count == 3)
    }

    @Test("stream headers: no content line when usual; one when missing, unexpected or different from the other side's")
    func contentLine() {
        func header(_ xmlns: String?, _ attributes: String) -> String {
            "<stream:stream \(xmlns.map { "xmlns='\($0)' " } ?? "")\(Self.streams) \(attributes) version='1.0'>"
        }
        let cases: [(c2s: String, s2c: String)] = [
            (header("jabber:client", "to='x.test'"), header("jabber:client", "from='x.test' id='a'")),
            (header("jabber:server", "to='x.test'"), header("jabber:server", "from='x.test' id='b'")),
            (header("jabber:component:accept", "to='c.x.test'"), header("jabber:component:accept", "from='c.x.test' id='c'")),
            (header("jabber:client", "to='x.test'"), header("jabber:server", "from='x.test' id='d'")),
            (header(nil, "to='x.test'"), header("jabber:client", "from='x.test' id='e'")),
            (header("urn:example:other", "to='x.test'"), header("jabber:client", "from='x.test' id='f'")),
        ]
        let all = records(cases)
        #expect(all.filter { $0.event == .streamOpen }.count == 2 * cases.count)
        let lines = printed(all).split(separator: "\n").filter { $0.contains("content:") }.map(String.init)
        #expect(lines == [
            "    content: jabber:server — the other side's header said jabber:client",
            "    content: none — the header declares no content namespace (jabber:client or jabber:server expected)",
            "    content: urn:example:other — not jabber:client, jabber:server or a component namespace",
            "    content: jabber:client — the other side's header said urn:example:other",
        ], "\(lines)")
    }
}
