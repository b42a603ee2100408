import Testing
import XMPPCore

/// The framer as the web transports use it: one element per WebSocket message (RFC 7395), and
/// BOSH `<body/>` documents whose children are the stanzas (XEP-0124/0206).
@Suite("Framing web transports")
struct WebFramingTests {
    @Test("RFC 7395 messages: each is one element, and the framer is between items after it")
    func webSocketMessages() {
        let framer = XMLFramer(content: .topLevel)
        let messages = [
            "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='example.org' version='1.0'/>",
            "<iq xmlns='jabber:client' type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>",
            "<message xmlns='jabber:client' to='bob@example.org'><body>hi</body></message>",
            "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>",
        ]
        var names: [String] = []
        for message in messages {
            var events: [FramerEvent] = []
            framer.feed(Array(message.utf8)) { events.append($0) }
            #expect(events.count == 1, "\(message)")
            #expect(framer.isBetweenItems, "\(message)")
            names += events.names
        }
        #expect(names == ["open", "iq", "message", "close"])
    }

    @Test("a message cut inside an element leaves the framer holding it")
    func partialMessage() {
        let framer = XMLFramer(content: .topLevel)
        var events: [FramerEvent] = []
        framer.feed(Array("<message xmlns='jabber:client'><body>hi".utf8)) { events.append($0) }
        #expect(events.isEmpty)
        #expect(!framer.isBetweenItems)
        framer.finish { events.append($0) }
        #expect(events.errors.count == 1)
        #expect(framer.isBetweenItems)
    }

    @Test("BOSH bodies open and close like streams, their children are the stanzas")
    func boshBodies() {
        let framer = XMLFramer(content: .topLevel)
        framer.readsBOSHBodies = true
        let bodies = [
            ("<body rid='10' sid='s' xmlns='http://jabber.org/protocol/httpbind'><iq xmlns='jabber:client' type='get' id='a'/>"
                + "<presence xmlns='jabber:client'/></body>", ["iq", "presence"]),
            ("<body rid='11' sid='s' xmlns='http://jabber.org/protocol/httpbind'/>", []),
            ("<body xmlns='http://jabber.org/protocol/httpbind' xmlns:stream='http://etherx.jabber.org/streams'>"
                + "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features></body>", ["features"]),
        ]
        for (body, expected) in bodies {
            var events: [FramerEvent] = []
            framer.feed(Array(body.utf8)) { events.append($0) }
            #expect(events.headers.map(\.element.name) == ["body"], "\(body)")
            #expect(events.headers.first?.element[attribute: "rid"] == (expected == ["features"] ? nil : body.contains("'10'") ? "10" : "11"))
            #expect(events.names == expected, "\(body)")
            #expect(events.filter(\.isClose).count == 1, "\(body)")
            #expect(events.errors.isEmpty, "\(body)")
            #expect(framer.isBetweenItems)
        }
    }

    @Test("without readsBOSHBodies a body is one element, as before")
    func bodyAsElement() {
        let events = frame("<body rid='10' xmlns='http://jabber.org/protocol/httpbind'><iq xmlns='jabber:client' type='get' id='a'/></body>")
        #expect(events.names == ["body"])
    }
}

@Suite("Framing web transports: whole trees later")
struct WebFramingCompleteElementTests {
    @Test("an element framed top-only inside a BOSH body builds its whole tree on demand")
    func completeElementUnderBody() {
        let framer = XMLFramer(content: .topLevel)
        framer.readsBOSHBodies = true
        var elements: [FramedElement] = []
        let body = "<body xmlns='http://jabber.org/protocol/httpbind' sid='s'><iq xmlns='jabber:client' type='error' id='v'>"
            + "<error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq></body>"
        framer.feed(Array(body.utf8)) { if case .element(let framed) = $0 { elements.append(framed) } }
        #expect(elements.count == 1)
        let whole = elements.first?.completeElement()
        let children = whole.map { Array($0.elements) } ?? []
        #expect(children.map(\.name) == ["error"])
        #expect(children.first.map { Array($0.elements).map(\.name) } == ["item-not-found"])
    }
}
