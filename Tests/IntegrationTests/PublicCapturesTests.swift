import Foundation
import Testing
import XMPPCore
import XMPPInspect

/// The four public captures in ../shared/captures-public (SOURCES.tsv says where they come from).
@Suite("Public captures")
struct PublicCapturesTests {
    @Test("nDPI jabber.pcap: 84 iq, 9 presence, 5 message, 4 stanza errors; every iq paired")
    func ndpi() throws {
        let records = try replayRecords(publicCapture("ndpi-jabber.pcap"))
        #expect(records.count(kind: "iq") == 84)
        #expect(records.count(kind: "presence") == 9)
        #expect(records.count(kind: "message") == 5)
        let errors = records.stanzas.filter { $0.error?.source == .stanza }
        #expect(errors.count == 4)
        #expect(errors.allSatisfy { $0.error?.condition != nil && $0.error?.type != nil })
        #expect(records.filter(\.unanswered).isEmpty)
        #expect(records.filter(\.unmatchedResponse).isEmpty)
        // Sequence gaps are reported, and the stanzas after each still decode.
        #expect(records.filter { $0.event == .gap }.count == 8)
        let malformed = records.filter { $0.event == .parseError && $0.error?.condition == "not-well-formed" }
        #expect(malformed.isEmpty)
    }

    @Test("nDPI frames 46-48: the iq split over three segments comes out whole")
    func ndpiSplitIQ() throws {
        let records = try replayRecords(publicCapture("ndpi-jabber.pcap"))
        // Frames 46-48 carry a 3,379-byte disco#info result; frame 48, which completes it, is at
        // epoch 1502379724.497027 (tshark -T fields -e frame.time_epoch).
        let split = records.stanzas.filter { $0.timestamp.microseconds == 1_502_379_724_497_027 }
        let iq = try #require(split.first { $0.kind == "iq" && $0.size > 3000 })
        #expect(iq.type == "result")
        #expect(iq.namespaces.contains("http://jabber.org/protocol/disco#info"))
        #expect(iq.xml?.hasPrefix("<iq ") == true)
        #expect(iq.xml?.hasSuffix("</iq>") == true)
        #expect(iq.requestSeq != nil)
        let features = iq.element?.firstChild("query")?.elements.filter { $0.name == "feature" }.count ?? 0
        #expect(features > 20)
    }

    @Test("xmpptrace component capture: Linux cooked, port 7400, decoded with no port hint")
    func component() throws {
        let records = try replayRecords(publicCapture("xmpptrace-wx2-component.pcap"))
        // The server's header names the protocol (some of these components open with jabber:client).
        let serverHeaders = records.filter { $0.event == .streamOpen && $0.direction == .s2c }
        let components = Set(serverHeaders.filter { $0.namespaces.first == "jabber:component:accept" }.map(\.connection))
        #expect(components.count == 10)
        #expect(records.filter { $0.kind == "handshake" }.count == 20)
        let clients = Set(serverHeaders.filter { $0.namespaces.first == "jabber:client" }.map(\.connection))
        #expect(clients.count == 2)
        #expect(records.filter { $0.event == .parseError }.isEmpty)
        #expect(records.count(kind: "iq") == 21)
    }

    @Test("Zeek STARTTLS captures: decoded up to <proceed/>, then TLS is reported", arguments: [
        "zeek-xmpp-starttls.pcap", "zeek-xmpp-dialback-starttls.pcap",
    ])
    func zeekStartTLS(name: String) throws {
        let records = try replayRecords(publicCapture(name))
        #expect(records.filter { $0.kind == "starttls" }.count == 1)
        #expect(records.filter { $0.kind == "proceed" }.count == 1)
        let tls = try #require(records.first { $0.event == .tlsStart })
        #expect((tls.encryptedBytes?.c2s ?? 0) > 500)
        #expect((tls.encryptedBytes?.s2c ?? 0) > 500)
        #expect(records.filter { $0.event == .parseError }.isEmpty)
        if name.contains("dialback") {
            #expect(records.first { $0.event == .streamOpen }?.namespaces.first == "jabber:server")
        }
    }
}
