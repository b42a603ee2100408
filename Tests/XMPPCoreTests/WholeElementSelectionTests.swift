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

    static let selection = WholeElementSelection(
        errorType: true,
        names: [("failure", nil), ("features", XMPPNamespace.streams)],
        namespaces: [XMPPNamespace.sasl]
    )

    private static func frame(content: XMLFramer.Content, packing: Bool, selection: WholeElementSelection?) -> [FramedElement] {
        let framer = XMLFramer(content: content)
        framer.packsAttributes = packing
        if let selection { framer.wholeElements = selection }
        var elements: [FramedElement] = []
        framer.feed(Array(stream.utf8)) { if case .element(let element) = $0 { elements.append(element) } }
        return elements
    }

    @Test("selected elements come whole, equal to a whole-tree framer's; the rest to their top", arguments: [true, false])
    func selectedWhole(packing: Bool) {
        let whole = Self.frame(content: .full, packing: false, selection: nil)
        let framed = Self.frame(content: .topLevel, packing: packing, selection: Self.selection)
        #expect(whole.count == 11)
        #expect(framed.count == 11)
        var selected = 0, topOnly = 0
        for (tree, element) in zip(whole, framed) {
            let id = tree.element[attribute: "id"] ?? ""
            if id.hasPrefix("whole-") {
                selected += 1
                #expect(element.isComplete, "\(id) built whole")
                #expect(element.element == tree.element, "\(id): the same tree as a whole-tree framer's")
                #expect(element.completeElement() == tree.element)
            } else {
                topOnly += 1
                #expect(!element.isComplete, "\(id) built to its top")
                #expect(element.element.children.isEmpty, "\(id) has no children")
                #expect(element.completeElement() == tree.element, "\(id) parsed again whole")
            }
        }
        #expect(selected == 6)
        #expect(topOnly == 5)
    }

    @Test("without a selection, every element is built to its top")
    func noSelection() {
        let framed = Self.frame(content: .topLevel, packing: true, selection: nil)
        #expect(framed.count == 11)
        #expect(framed.filter(\.isComplete).isEmpty)
    }

    @Test("packing says whether type is error, as libxml2 reports the value")
    func packedErrorType() {
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
        var checked = 0
        for (tag, expected) in cases {
            let framer = XMLFramer(content: .topLevel)
            framer.packsAttributes = true
            framer.wholeElements = WholeElementSelection(errorType: true)
            var elements: [FramedElement] = []
            framer.feed(Array((clientHeader + tag).utf8)) { if case .element(let element) = $0 { elements.append(element) } }
            #expect(elements.count == 1, "\(tag)")
            #expect(elements.first?.isComplete == expected, "\(tag)")
            checked += 1
        }
        #expect(checked == cases.count)
    }
}
