import Testing
import XMPPCore

/// A session in one direction: header, SASL, restart, bind, stanzas of every kind, close.
private let clientSession = clientHeader
    + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAHNlY3JldA==</auth>"
    + clientHeader
    + "<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>r</resource></bind></iq>\n"
    + "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>"
    + "<message to='b@example.org' type='chat' id='m1'><body>héllo &amp; &lt;wörld&gt; 你好 🎉</body><![CDATA[<raw>]]></message>"
    + "  <presence><show>away</show><status>out</status><c xmlns='http://jabber.org/protocol/caps' node='n' ver='v' hash='sha-1'/></presence>"
    + "<r xmlns='urn:xmpp:sm:3'/>"
    + "</stream:stream>"

private let serverSession = serverHeader
    + "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>"
    + "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
    + "\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}binary TLS bytes that must never be parsed <iq>"

@Suite("XML framer")
struct XMLFramerTests {
    @Test("every chunk size gives the same events", arguments: [clientSession, serverSession])
    func chunkingInvariance(session: String) {
        let whole = frame(session)
        #expect(!whole.isEmpty)
        #expect(whole.errors.isEmpty)
        for size in 1...64 {
            #expect(frame(session, chunkSize: size) == whole, "chunk size \(size)")
        }
        for size in [97, 128, 500, 4096] {
            #expect(frame(session, chunkSize: size) == whole, "chunk size \(size)")
        }
    }

    @Test("stanzas come out whole with their exact bytes and offsets")
    func exactBytes() {
        let bytes = Array(clientSession.utf8)
        let events = frame(bytes)
        #expect(events.names == ["auth", "iq", "iq", "message", "presence", "r"])
        for element in events.elements {
            let slice = Array(bytes[element.offset..<(element.offset + element.raw.count)])
            #expect(slice == element.raw)
            #expect(element.raw.first == UInt8(ascii: "<"))
            #expect(element.raw.last == UInt8(ascii: ">"))
        }
        let message = events.elements[3].element
        #expect(message.firstChild("body")?.text == "héllo & <wörld> 你好 🎉")
        #expect(message.text == "<raw>")
        #expect(message.namespace == "jabber:client")
        #expect(events.elements[2].element.firstChild("query")?.namespace == "jabber:iq:roster")
        #expect(events.last?.isClose == true || events.dropLast().last?.isClose == true)
    }

    @Test("a stream restart after SASL success gives a second header")
    func restartWithDeclaration() {
        let events = frame(clientSession)
        #expect(events.headers.count == 2)
        #expect(events.headers[1].element[attribute: "to"] == "example.org")
        #expect(events.headers[1].contentNamespace == "jabber:client")
        let secondOffset = events.headers[1].offset
        #expect(Array(clientSession.utf8)[secondOffset..<(secondOffset + 5)] == Array("<?xml".utf8)[...])
    }

    @Test("a restart without an XML declaration, and a new stream after a close")
    func restartWithoutDeclaration() {
        let bare = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
        let input = bare + "<presence/>" + bare + "<message><body>2</body></message></stream:stream>"
            + clientHeader + "<iq type='get' id='x'/></stream:stream>"
        for size in [1, 3, 7, 1000] {
            let events = frame(input, chunkSize: size)
            #expect(events.errors.isEmpty, "chunk size \(size)")
            #expect(events.headers.count == 3, "chunk size \(size)")
            #expect(events.names == ["presence", "message", "iq"], "chunk size \(size)")
            #expect(events.filter(\.isClose).count == 2)
        }
    }

    @Test("after <proceed/> the rest of the direction is opaque and counted")
    func proceedStopsDecoding() {
        let framer = XMLFramer()
        var events: [FramerEvent] = []
        framer.feed(Array(serverSession.utf8)) { events.append($0) }
        framer.feed(Array(repeating: UInt8(0x17), count: 100)) { events.append($0) }
        framer.finish { events.append($0) }
        #expect(events.names == ["features", "proceed"])
        #expect(events.errors.isEmpty)
        #expect(framer.isOpaque)
        let tail = serverSession.utf8.count - (serverSession.range(of: "/>\u{16}")!.upperBound.utf16Offset(in: serverSession) - 1)
        #expect(framer.opaqueBytes == tail + 100)
    }

    @Test("text without a stream header is framed as stanzas (an XML console dump)")
    func fragmentsWithoutHeader() {
        let events = frame("<iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>\n<message><body>x</body></message>")
        #expect(events.errors.isEmpty)
        #expect(events.headers.isEmpty)
        #expect(events.names == ["iq", "message"])
        #expect(events.elements[0].element.namespace == "jabber:client")
        #expect(events.elements[0].offset == 0)
    }

    @Test("a document whose root is a stanza is framed as that stanza")
    func stanzaDocument() {
        let events = frame("<?xml version='1.0'?>\n<iq type='result' id='7'/>")
        #expect(events.errors.isEmpty)
        #expect(events.names == ["iq"])
        #expect(events.elements[0].offset == 22)
    }
}

@Suite("XML framer: top-level content")
struct TopLevelContentTests {
    @Test("top-level framing keeps the namespaces and rebuilds the same tree on demand")
    func sameTree() {
        let bytes = Array(("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
            + "<iq type='result' id='d'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='server'/>"
            + "<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE'><value>urn:x</value></field></x></query></iq>"
            + "<message to='a@b'><body>hi &amp; bye</body><x:y xmlns:x='urn:x'/></message>").utf8)
        let full = XMLFramer(content: .full)
        let lean = XMLFramer(content: .topLevel)
        var fullElements: [FramedElement] = []
        var leanElements: [FramedElement] = []
        full.feed(bytes) { if case .element(let element) = $0 { fullElements.append(element) } }
        lean.feed(bytes) { if case .element(let element) = $0 { leanElements.append(element) } }
        #expect(fullElements.count == 2)
        #expect(leanElements.count == 2)
        for (whole, top) in zip(fullElements, leanElements) {
            #expect(top.raw == whole.raw)
            #expect(top.namespaces == whole.namespaces)
            #expect(top.namespaces == whole.element.namespacesInUse)
            #expect(!top.isComplete)
            #expect(top.element.children.isEmpty)
            #expect(top.element.attributes == whole.element.attributes)
            #expect(top.completeElement() == whole.element)
        }
    }
}

extension TopLevelContentTests {
    /// Top-level framing has libxml2 stop reporting text inside a stanza's children and start
    /// again when they end: the top element keeps its own text, in every chunking, across
    /// entities, CDATA and nesting, and the next stanza's text is reported again.
    @Test("top-level framing keeps the top element's own text and only that, in every chunking")
    func ownTextOnly() {
        let stanzas = "<message id='t'>a<body>b &amp; b</body>c<x xmlns='urn:x'>d<y>e<![CDATA[e2]]></y>f</x>g&#x21;</message>"
            + "<presence id='p'>h<status>i</status>j</presence><iq id='q' type='get'>k</iq>"
        let bytes = Array((clientHeader + stanzas).utf8)
        let full = XMLFramer(content: .full)
        var wholeTexts: [String] = []
        full.feed(bytes) { event in
            guard case .element(let element) = event else { return }
            wholeTexts.append(element.element.children.compactMap { if case .text(let text) = $0 { return text } else { return nil } }.joined())
        }
        #expect(wholeTexts == ["acg!", "hj", "k"])
        var chunkings = 0
        for size in [1, 2, 3, 5, 8, 13, 1_000] {
            let lean = XMLFramer(content: .topLevel)
            var texts: [String] = []
            var index = 0
            while index < bytes.count {
                let end = min(bytes.count, index + size)
                lean.feed(bytes[index..<end]) { event in
                    guard case .element(let element) = event else { return }
                    texts.append(element.element.children.compactMap { if case .text(let text) = $0 { return text } else { return nil } }.joined())
                }
                index = end
            }
            #expect(texts == wholeTexts, "chunks of \(size)")
            chunkings += 1
        }
        #expect(chunkings == 7)
    }
}

@Suite("XML framer: TLS terminated in front")
struct TerminatedTLSTests {
    @Test("with stopsAtProceed off, the decrypted new stream after <proceed/> is decoded")
    func newStreamAfterProceed() {
        let framer = XMLFramer()
        framer.stopsAtProceed = false
        var events: [FramerEvent] = []
        for size in [1, 7, 1000] {
            events.removeAll()
            let framer = XMLFramer()
            framer.stopsAtProceed = false
            let bytes = Array((serverHeader + "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" + serverHeader
                + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>").utf8)
            var index = 0
            while index < bytes.count {
                let end = min(bytes.count, index + size)
                framer.feed(bytes[index..<end]) { events.append($0) }
                index = end
            }
            #expect(events.headers.count == 2, "chunk size \(size)")
            #expect(events.names == ["proceed", "features"], "chunk size \(size)")
            #expect(events.errors.isEmpty)
            #expect(!framer.isOpaque)
        }
        _ = framer
    }

    @Test("resetForNewStream drops a half-read stream and waits for a new header")
    func reset() {
        let framer = XMLFramer()
        var events: [FramerEvent] = []
        framer.feed(Array((clientHeader + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><mess").utf8)) { events.append($0) }
        framer.resetForNewStream()
        framer.feed(Array((clientHeader + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AA==</auth>").utf8)) { events.append($0) }
        #expect(events.headers.count == 2)
        #expect(events.names == ["starttls", "auth"])
        #expect(events.errors.isEmpty)
    }
}
