import Foundation
import Testing
import XMPPCore
@testable import XMPPProxy

/// Feeds a transcript through the framer and the state machine, as the relay will.
private func run(_ machine: inout StreamPhaseMachine, client: String = "", server: String = "") -> [StreamPhaseAction] {
    var actions: [StreamPhaseAction] = []
    for (text, fromClient) in [(client, true), (server, false)] where !text.isEmpty {
        let framer = XMLFramer()
        framer.feed(Array(text.utf8)) { event in
            switch event {
            case .streamOpened(let header) where fromClient: actions += machine.clientOpened(header)
            case .element(let framed): actions += fromClient ? machine.fromClient(framed.element) : machine.fromServer(framed.element)
            default: break
            }
        }
    }
    return actions
}

private let clientHeader = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='xmppscope.test' version='1.0'>"
private let serverHeader = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='xmppscope.test' id='1' version='1.0'>"

@Suite("Stream phases")
struct StreamPhaseMachineTests {
    @Test("plain → STARTTLS → TLS → SASL → restarted → bound")
    func fullSession() {
        var machine = StreamPhaseMachine()
        #expect(machine.phase == .plain)
        _ = run(&machine, client: clientHeader, server: serverHeader + "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>")
        #expect(machine.domain == "xmppscope.test")
        _ = run(&machine, client: clientHeader + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        #expect(machine.phase == .startTLSRequested)
        #expect(run(&machine, server: serverHeader + "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>") == [.startTLS(serverName: "xmppscope.test")])
        #expect(machine.phase == .tls)
        _ = run(&machine, client: clientHeader + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGEAYg==</auth>")
        #expect(machine.phase == .authenticating(mechanism: "PLAIN"))
        _ = run(&machine, server: serverHeader + "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
        #expect(machine.phase == .authenticated)
        _ = run(&machine, client: clientHeader)
        #expect(machine.phase == .restarted)
        _ = run(&machine, server: serverHeader + "<iq type='result' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>a@xmppscope.test/r</jid></bind></iq>")
        #expect(machine.phase == .bound(jid: "a@xmppscope.test/r"))
    }

    @Test("a <proceed/> nobody asked for starts nothing")
    func unsolicitedProceed() {
        var machine = StreamPhaseMachine()
        #expect(run(&machine, server: serverHeader + "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>").isEmpty)
        #expect(machine.phase == .plain)
    }

    static let features = serverHeader + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
        + "<mechanism>SCRAM-SHA-256-PLUS</mechanism><mechanism>SCRAM-SHA-256</mechanism><mechanism>PLAIN</mechanism></mechanisms>"
        + "<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-exporter'/></sasl-channel-binding>"
        + "<compression xmlns='http://jabber.org/features/compress'><method>zlib</method></compression></stream:features>"

    @Test("-PLUS mechanisms, channel-binding and compression offers are stripped, and said")
    func featuresRewritten() throws {
        var machine = StreamPhaseMachine()
        let actions = run(&machine, server: Self.features)
        guard case .replaceFeatures(let edited, let edits)? = actions.first else {
            Issue.record("no rewrite: \(actions)")
            return
        }
        #expect(edits == ["removed SASL mechanism SCRAM-SHA-256-PLUS", "removed the XEP-0440 channel-binding offer",
                          "removed the XEP-0138 compression offer"])
        let mechanisms = edited.firstChild("mechanisms")?.elements.map(\.text)
        #expect(mechanisms == ["SCRAM-SHA-256", "PLAIN"])
        #expect(edited.firstChild("sasl-channel-binding") == nil)
        #expect(edited.firstChild("compression") == nil)
        // What the client receives parses back to the same element.
        #expect(Element.parse(Array(edited.xmlString.utf8)) == edited)
    }

    @Test("--keep-plus keeps channel binding but still removes compression")
    func keepPlus() {
        var machine = StreamPhaseMachine(keepsChannelBinding: true)
        guard case .replaceFeatures(_, let edits)? = run(&machine, server: Self.features).first else {
            Issue.record("no rewrite")
            return
        }
        #expect(edits == ["removed the XEP-0138 compression offer"])
    }

    @Test("a SASL failure after a channel-binding client gets the advice")
    func channelBindingAdvice() {
        var machine = StreamPhaseMachine()
        let clientFirst = Data("y,,n=alice,r=abc".utf8).base64EncodedString()
        _ = run(&machine, client: clientHeader + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'>\(clientFirst)</auth>")
        let actions = run(&machine, server: serverHeader + "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>")
        guard case .advise(let text)? = actions.first else {
            Issue.record("no advice")
            return
        }
        #expect(text.contains("channel binding"))
        #expect(text.contains("PLAIN"))

        var plain = StreamPhaseMachine()
        _ = run(&plain, client: clientHeader + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGEAYg==</auth>")
        #expect(run(&plain, server: serverHeader + "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>").isEmpty)
    }

    @Test("a SCRAM challenge with XEP-0474 downgrade protection (d=) after -PLUS was removed: told once, before the login fails")
    func downgradeProtectionAdvice() {
        func challenge(_ text: String) -> String {
            serverHeader + "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\(Data(text.utf8).base64EncodedString())</challenge>"
        }
        let auth = clientHeader + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'>"
            + Data("n,,n=alice,r=abc".utf8).base64EncodedString() + "</auth>"
        var machine = StreamPhaseMachine()
        _ = run(&machine, server: Self.features)
        _ = run(&machine, client: auth)
        let actions = run(&machine, server: challenge("r=abcdef,s=c2FsdA==,i=4096,d=aGFzaA=="))
        guard case .advise(let text)? = actions.first else {
            Issue.record("no advice: \(actions)")
            return
        }
        #expect(text.contains("XEP-0474"))
        #expect(text.contains("--tls passthrough --keylog"))
        #expect(run(&machine, server: challenge("r=abcdef,s=c2FsdA==,i=4096,d=aGFzaA==")).isEmpty)

        // Without d=, or with -PLUS kept, nothing to say.
        var noProtection = StreamPhaseMachine()
        _ = run(&noProtection, server: Self.features)
        _ = run(&noProtection, client: auth)
        #expect(run(&noProtection, server: challenge("r=abcdef,s=c2FsdA==,i=4096")).isEmpty)
        var kept = StreamPhaseMachine(keepsChannelBinding: true)
        _ = run(&kept, server: Self.features)
        _ = run(&kept, client: auth)
        #expect(run(&kept, server: challenge("r=abcdef,s=c2FsdA==,i=4096,d=aGFzaA==")).isEmpty)
    }

    @Test("SASL2 (XEP-0388): -PLUS leaves its <authentication/> list too, and a SCRAM challenge there with d= gets the advice")
    func sasl2() {
        let features = serverHeader + "<stream:features><authentication xmlns='urn:xmpp:sasl:2'><mechanism>SCRAM-SHA-256-PLUS</mechanism>"
            + "<mechanism>SCRAM-SHA-256</mechanism></authentication></stream:features>"
        var machine = StreamPhaseMachine()
        guard case .replaceFeatures(let edited, let edits)? = run(&machine, server: features).first else {
            Issue.record("no rewrite")
            return
        }
        #expect(edits == ["removed SASL2 mechanism SCRAM-SHA-256-PLUS"])
        #expect(edited.firstChild("authentication")?.elements.map(\.text) == ["SCRAM-SHA-256"])
        _ = run(&machine, client: clientHeader + "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='SCRAM-SHA-256'><initial-response>"
            + Data("n,,n=alice,r=abc".utf8).base64EncodedString() + "</initial-response></authenticate>")
        let challenge = serverHeader + "<challenge xmlns='urn:xmpp:sasl:2'>"
            + Data("r=abcdef,s=c2FsdA==,i=4096,d=aGFzaA==".utf8).base64EncodedString() + "</challenge>"
        guard case .advise(let text)? = run(&machine, server: challenge).first else {
            Issue.record("no advice")
            return
        }
        #expect(text.contains("XEP-0474"))
    }
}
