import Testing
import XMPPBase
@testable import XMPPCore

@Suite("XML framer: top-level elements built whole by selection")
struct WholeElementSelectionTests {
    /// Each element says in its `id` whether the selection below picks it. The selected ones
    /// have children, text or both, so a tree built to its top only differs from the whole one.
    static let stream = clientHeader
        + "<iq type='result' id='top-1'><query xmlns='jabber:iq:roster'><item jid='a@example.org'/></query></iq>"
        + "<iq type='error' id='whole-1'><ping xmlns='urn:xmpp:ping'/><error type='cancel'>"
        + "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>gone</text></error></iq>"
        // Right after a whole one: built to its top again.
        + "<message to='b@example.org' id='top-2'><body>hello</body></message>"
        // libxml2 reports the value with its character reference replaced: `error`, as the
        // record's type will read.
        + "<iq type='&#101;rror' id='whole-6'><error type='cancel'/></iq>"
        // `type` with a prefix is another attribute.
        + "<message xmlns:p='urn:p' p:type='error' id='top-4'><body>x</body></message>"
        + "<message type='error' id='whole-2'><error type='modify'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"
        // A name selected in any namespace.
        + "<failure xmlns='urn:example:other' id='whole-3'><reason>none</reason></failure>"
        // A name selected in one namespace only.
        + "<stream:features id='whole-4'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"
        + "<features xmlns='urn:example:other' id='top-5'><x/></features>"
        // A selected namespace, whatever the name; its text is kept.
        + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN' id='whole-5'>AGp1bGlldAByMG0zMA==</auth>"
        + "<presence id='top-6'><show>away</show></presence>"
        + "<stream:error id='whole-7'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
        + "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='PLAIN' id='whole-8'><initial-response>AGE=</initial-response></authenticate>"
        // A child in a selected namespace does not select its top element.
        + "<iq type='set' id='top-7'><auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/></iq>"
        // A child whose prefix the stream header declares.
        + "<iq type='error' id='whole-9'><stream:x><y>z</y></stream:x></iq>"

    static let selection = WholeElementSelection(
        errorType: true,
        names: [("failure", nil), ("features", XMPPNamespace.streams), ("error", XMPPNamespace.streams)],
        namespaces: [XMPPNamespace.sasl, XMPPNamespace.sasl2]
    )
    static let elementCount = 15

    /// Frames `text` fed `chunkSize` bytes at a time.
    private static func frame(_ text: String = stream, content: XMLFramer.Content, packing: Bool, selection: WholeElementSelection?,
                              chunkSize: Int = .max, limits: FramerLimits = .default) -> [FramerEvent] {
        let framer = XMLFramer(limits: limits, content: content)
        framer.packsAttributes = packing
        if let selection { framer.wholeElements = selection }
        let bytes = Array(text.utf8)
        var events: [FramerEvent] = []
        var index = 0
        while index < bytes.count {
            let end = min(bytes.count, index + chunkSize)
            framer.feed(bytes[index..<end]) { events.append($0) }
            index = end
        }
        return events
    }

    @Test("selected elements come whole, equal to a whole-tree framer's and to the tree parsed again; the rest to their top",
          arguments: [(true, Int.max), (false, Int.max), (true, 1), (false, 7)])
    func selectedWhole(packing: Bool, chunkSize: Int) {
        let whole = Self.frame(content: .full, packing: false, selection: nil).elements
        let framed = Self.frame(content: .topLevel, packing: packing, selection: Self.selection, chunkSize: chunkSize).elements
        #expect(whole.count == Self.elementCount)
        #expect(framed.count == Self.elementCount)
        var selected = 0, topOnly = 0
        let treeParser = ElementTreeParser()
        for (tree, element) in zip(whole, framed) {
            let id = tree.element[attribute: "id"] ?? ""
            if id.hasPrefix("whole-") {
                selected += 1
                #expect(element.isComplete, "\(id) built whole")
                #expect(element.element == tree.element, "\(id): the same tree as a whole-tree framer's")
                // What the records thread built before: the element's bytes parsed again.
                #expect(treeParser.parse(element.raw, header: element.header) == element.element, "\(id): the same tree as parsed again")
            } else {
                topOnly += 1
                #expect(!element.isComplete, "\(id) built to its top")
                #expect(element.element.children.isEmpty, "\(id) has no children")
                #expect(element.completeElement() == tree.element, "\(id) parsed again whole")
            }
        }
        #expect(selected == 9)
        #expect(topOnly == 6)
    }

    @Test("without a selection, every element is built to its top")
    func noSelection() {
        let framed = Self.frame(content: .topLevel, packing: true, selection: nil).elements
        #expect(framed.count == Self.elementCount)
        #expect(framed.filter(\.isComplete).isEmpty)
    }

    @Test("a selected element past the depth limit is an error, and the element after it is built to its top")
    func pastTheDepthLimit() {
        let text = clientHeader + "<iq type='error' id='deep'><a><b><c><d/></c></b></a></iq>"
            + "<message id='after'><body>x</body></message>"
            + "<iq type='error' id='shallow'><a/></iq>"
        let events = Self.frame(text, content: .topLevel, packing: true, selection: Self.selection,
                                limits: FramerLimits(maxStanzaBytes: 1 << 20, maxDepth: 3))
        let elements = events.elements
        #expect(events.errors.count == 1)
        #expect(elements.map { $0.element[attribute: "id"] ?? "" } == ["after", "shallow"])
        #expect(elements.map(\.isComplete) == [false, true])
        #expect(elements.first?.element.children.isEmpty == true)
        #expect(elements.last?.element.children.count == 1)
    }

    @Test("whether type is error, as libxml2 reports the value: from packing, or looked for", arguments: [true, false])
    func errorType(packing: Bool) {
        let cases: [(tag: String, errorType: Bool)] = [
            ("<iq type='error' id='1'/>", true),
            ("<iq id='1' type='error'/>", true),
            ("<iq type='errors'/>", false),
            ("<iq type='&#101;rror'/>", true),
            ("<iq type='&lt;rror'/>", false),
            ("<iq xmlns:p='urn:p' p:type='error'/>", false),
            ("<iq types='error'/>", false),
            ("<iq id='error'/>", false),
        ]
        for (tag, expected) in cases {
            let framer = XMLFramer(content: .topLevel)
            framer.packsAttributes = packing
            framer.wholeElements = WholeElementSelection(errorType: true)
            var elements: [FramedElement] = []
            framer.feed(Array((clientHeader + tag).utf8)) { if case .element(let element) = $0 { elements.append(element) } }
            #expect(elements.count == 1, "\(tag)")
            #expect(elements.first?.isComplete == expected, "\(tag)")
        }
    }
}
