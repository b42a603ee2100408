import Foundation
import Testing
import XMPPCore
import XMPPInspect
import XMPPBase

private let clientOpen = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='x.test' version='1.0'>"
private let serverOpen = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='x.test' id='s' version='1.0'>"

@Suite("iq pairing, errors, redaction, JSON Lines")
struct InspectorTests {
    @Test("a response pairs with the request going the other way, addressed back to the requester")
    func pairing() {
        let records = inspectText([
            (.c2s, clientOpen), (.s2c, serverOpen),
            (.c2s, "<iq type='get' id='1' from='a@x.test/r' to='pubsub.x.test'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"),
            (.c2s, "<iq type='result' id='1'/>"),  // same direction: not an answer
            (.s2c, "<iq type='result' id='1' from='other.x.test' to='a@x.test/r'/>"),  // wrong responder
            (.s2c, "<iq type='result' id='1' from='pubsub.x.test' to='a@x.test/r'/>"),
        ])
        let iqs = records.stanzas
        #expect(iqs.count == 4)
        #expect(iqs[1].unmatchedResponse)
        #expect(iqs[2].unmatchedResponse)
        #expect(iqs[3].requestSeq == iqs[0].seq)
        #expect(iqs[3].rttMilliseconds == 7.5)
        #expect(records.filter(\.unanswered).isEmpty)
    }

    @Test("an id reused after its answer is a new request; an unanswered one is reported at the end")
    func reuseAndUnanswered() {
        let records = inspectText([
            (.c2s, clientOpen), (.s2c, serverOpen),
            (.c2s, "<iq type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.s2c, "<iq type='result' id='p'/>"),
            (.c2s, "<iq type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.s2c, "<iq type='result' id='p'/>"),
            (.c2s, "<iq type='set' id='lost'><query xmlns='jabber:iq:roster'/></iq>"),
        ])
        let stanzas = records.stanzas
        #expect(stanzas[1].requestSeq == stanzas[0].seq)
        #expect(stanzas[3].requestSeq == stanzas[2].seq)
        let unanswered = records.filter(\.unanswered)
        #expect(unanswered.count == 1)
        #expect(unanswered.first?.id == "lost")
        #expect(unanswered.first?.seq == stanzas[4].seq)
        #expect(records.last?.unanswered == true)
    }

    @Test("stanza, stream and SASL errors are decoded; legacy codes mapped")
    func errors() {
        let records = inspectText([
            (.c2s, clientOpen), (.s2c, serverOpen),
            (.s2c, "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/><text>bad password</text></failure>"),
            (.s2c, "<iq type='error' id='e1'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                + "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>no such node</text>"
                + "<unsupported xmlns='http://jabber.org/protocol/pubsub#errors' feature='x'/></error></iq>"),
            (.s2c, "<message type='error' id='e2'><error code='404'>Not Found</error></message>"),
            (.s2c, "<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>"),
        ])
        let sasl = records.first { $0.kind == "failure" }?.error
        #expect(sasl == ErrorInfo(source: .sasl, condition: "not-authorized", text: "bad password"))
        let stanza = records.first { $0.id == "e1" }?.error
        #expect(stanza?.type == "cancel")
        #expect(stanza?.condition == "item-not-found")
        #expect(stanza?.text == "no such node")
        #expect(stanza?.applicationCondition == "{http://jabber.org/protocol/pubsub#errors}unsupported")
        let legacy = records.first { $0.id == "e2" }?.error
        #expect(legacy?.code == "404")
        #expect(legacy?.condition == "item-not-found")
        #expect(legacy?.text == "Not Found")
        let stream = records.first { $0.event == .streamError }
        #expect(stream?.error?.condition == "host-unknown")
        #expect(records.last?.event == .streamClose)
    }

    @Test("passwords in jabber:iq:register and jabber:iq:auth are redacted")
    func registerPasswords() {
        let parts: [(Direction?, String)] = [
            (.c2s, clientOpen),
            (.c2s, "<iq type='set' id='reg'><query xmlns='jabber:iq:register'><username>bill</username><password>Calliope</password></query></iq>"),
            (.c2s, "<iq type='set' id='auth'><query xmlns='jabber:iq:auth'><username>bill</username><password>Calliope</password><resource>r</resource></query></iq>"),
        ]
        let redacted = inspectText(parts).stanzas
        #expect(redacted.map(\.id) == ["reg", "auth"])
        for record in redacted {
            #expect(record.redacted)
            #expect(record.xml?.contains("Calliope") == false)
            #expect(record.xml?.contains("[redacted 8 bytes]") == true)
            #expect(record.xml?.contains("bill") == true)
        }
        let shown = inspectText(parts, options: InspectorOptions(showSecrets: true)).stanzas
        #expect(shown.map(\.id) == ["reg", "auth"])
        #expect(shown.allSatisfy { $0.xml?.contains("Calliope") == true })
    }

    @Test("SASL2 (XEP-0388) credentials are redacted: the initial response and later responses")
    func sasl2Credentials() {
        let plain = "AGFsaWNlAHNlY3JldA=="   // \0alice\0secret
        let parts: [(Direction?, String)] = [
            (.c2s, clientOpen),
            (.c2s, "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='PLAIN'><initial-response>\(plain)</initial-response>"
                + "<user-agent id='d4565fa7-4d72-4749-b3d3-740edbf87770'><software>x</software></user-agent></authenticate>"),
            (.c2s, "<response xmlns='urn:xmpp:sasl:2'>\(plain)</response>"),
        ]
        let records = inspectText(parts).filter { $0.event == .nonza }
        #expect(records.map(\.kind) == ["authenticate", "response"])
        for record in records {
            #expect(record.redacted)
            #expect(record.xml?.contains(plain) == false)
            #expect(record.xml?.contains("[redacted 20 bytes]") == true)
        }
        #expect(records.first?.xml?.contains("<software>x</software>") == true)
    }

    @Test("a FAST token (XEP-0484) the server hands over in a SASL2 success is redacted")
    func fastToken() {
        let token = "WXZzciBQdmd0IGZ5ZXJ1bmJ6"
        let parts: [(Direction?, String)] = [
            (.c2s, clientOpen),
            (.s2c, serverOpen + "<success xmlns='urn:xmpp:sasl:2'><authorization-identifier>a@example.com/r</authorization-identifier>"
                + "<token xmlns='urn:xmpp:fast:0' expiry='2026-12-20T00:00:00Z' token='\(token)'/></success>"),
        ]
        for keepsElements in [true, false] {
            let success = inspectText(parts, options: InspectorOptions(keepsElements: keepsElements)).filter { $0.kind == "success" }
            #expect(success.count == 1)
            #expect(success.first?.redacted == true)
            #expect(success.first?.xml?.contains(token) == false)
            #expect(success.first?.xml?.contains("token='[redacted 24 bytes]'") == true)
            #expect(success.first?.xml?.contains("expiry='2026-12-20T00:00:00Z'") == true)
        }
        #expect(inspectText(parts, options: InspectorOptions(showSecrets: true)).first { $0.kind == "success" }?.xml?.contains(token) == true)
    }

    @Test("payload namespaces: below the stanza for stanzas, own first for nonzas")
    func namespaces() {
        let records = inspectText([
            (.s2c, serverOpen + "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"
                + "<iq type='result' id='d'><query xmlns='http://jabber.org/protocol/disco#info'><x xmlns='jabber:x:data'/></query></iq>"),
        ])
        #expect(records.first { $0.kind == "features" }?.namespaces == ["http://etherx.jabber.org/streams", "urn:ietf:params:xml:ns:xmpp-bind"])
        #expect(records.first { $0.kind == "iq" }?.namespaces == ["http://jabber.org/protocol/disco#info", "jabber:x:data"])
        #expect(records.first?.event == .streamOpen)
        #expect(records.first?.namespaces == ["jabber:client", "http://etherx.jabber.org/streams"])
    }

    @Test("every JSON line parses, carries the required keys and version 1")
    func jsonLines() throws {
        let capture = repositoryRoot.appendingPathComponent("captures/c2s-plain.pcap").path
        let captured = try replayRecords(capture)
        let broken = inspectText([(.c2s, clientOpen + "<message><body>\u{1}\"\\é</bdy></message>")])
        #expect(captured.count == 102)  // 8 stream opens, 82 stanzas, 8 nonzas, 4 stream closes
        #expect(broken.map(\.event) == [.streamOpen, .parseError])
        let records = captured + broken
        let required = ["v", "seq", "ts", "conn", "dir", "event", "kind", "type", "id", "from", "to", "ns", "xml"]
        for record in records {
            var bytes: [UInt8] = []
            JSONLinesWriter.encode(record, into: &bytes)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
            for key in required { #expect(object[key] != nil, "\(key) missing in \(String(decoding: bytes, as: UTF8.self))") }
            #expect(object["v"] as? Int == 1)
            #expect(object["seq"] as? Int == record.seq)
            #expect(object["xml"] as? String == record.xml || (object["xml"] is NSNull && record.xml == nil))
            #expect((object["ts"] as? String)?.count == 27)
            if let rtt = record.rttMilliseconds { #expect(abs((object["rtt_ms"] as? Double ?? -1) - rtt) < 0.001) }
        }
    }

    @Test("an XML console dump (both sides in one text) still pairs iqs, with no round trip to report")
    func consoleDumpPairing() {
        let records = inspectText([(nil,
            "<iq type='get' id='v1' to='x.test'><query xmlns='jabber:iq:version'/></iq>\n"
            + "<iq type='result' id='v1' from='x.test'><query xmlns='jabber:iq:version'><name>P</name></query></iq>\n"
            + "<iq type='get' id='never'><ping xmlns='urn:xmpp:ping'/></iq>")])
        let stanzas = records.stanzas
        #expect(stanzas[1].requestSeq == stanzas[0].seq)
        #expect(stanzas[1].rttMilliseconds == nil)
        #expect(records.filter(\.unanswered).map(\.id) == ["never"])
    }

    @Test("bytes skipped around a broken <auth> are not shown unless asked")
    func noSecretsInParseErrors() {
        let broken: [(Direction?, String)] = [(.c2s, clientOpen + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAHNlY3JldA==</aut><presence/>")]
        let error = inspectText(broken).first { $0.event == .parseError }
        #expect(error?.redacted == true)
        #expect(error?.xml == nil)
        #expect((error?.byteCount ?? 0) > 0)
        let shown = inspectText(broken, options: InspectorOptions(showSecrets: true)).first { $0.event == .parseError }
        #expect(shown?.xml?.contains("AGFsaWNlAHNlY3JldA==") == true)
    }

    @Test("stream-close carries the bytes as written")
    func streamCloseBytes() {
        let records = inspectText([(.c2s, "<s:stream xmlns='jabber:client' xmlns:s='http://etherx.jabber.org/streams'><presence/></s:stream >")])
        let close = records.first { $0.event == .streamClose }
        #expect(close?.xml == "</s:stream >")
        #expect(close?.size == 12)
    }
}
