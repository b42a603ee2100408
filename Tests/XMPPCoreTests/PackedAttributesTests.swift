import Testing
@testable import XMPPCore

@Suite("XML framer: packed attributes")
struct PackedAttributesTests {
    /// Stanzas whose top elements carry what packing must keep: entities, a prefixed attribute in
    /// the xml namespace, an empty value, non-ASCII, a value long enough that packing outgrows its
    /// first room in the middle of the tag, an attribute in another namespace, none at all, and a
    /// second `to` in a namespace.
    static let stream = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' xmlns:p='urn:p'>"
        + "<iq type='get' id='a&amp;b&lt;c' to='example.com' from='juliet@example.com/balcony-with-a-long-resource-long-enough-that-the-packed-attributes-outgrow-the-first-room-the-framer-gives-them-and-are-copied-over-when-it-grows-in-the-middle-of-a-tag-pass-the-inline-room'><ping xmlns='urn:xmpp:ping'/></iq>"
        + "<message xml:lang='fr' to='' type='chat' p:to='elsewhere' id='über-ünïcödé'><body>salut</body></message>"
        + "<presence/>"
        + "<r xmlns='urn:xmpp:sm:3' h='&#x34;2'/>"

    private static func frame(packing: Bool, content: XMLFramer.Content) -> [FramedElement] {
        let framer = XMLFramer(content: content)
        framer.packsAttributes = packing
        var elements: [FramedElement] = []
        framer.feed(Array(stream.utf8)) { if case .element(let element) = $0 { elements.append(element) } }
        return elements
    }

    @Test("a packing framer's elements equal the whole tree's, attribute for attribute")
    func sameAttributes() {
        let whole = Self.frame(packing: false, content: .full)
        let packed = Self.frame(packing: true, content: .topLevel)
        let unpacked = Self.frame(packing: false, content: .topLevel)
        #expect(whole.count == 4)
        #expect(packed.count == 4)
        #expect(unpacked.count == 4)
        var addresses = RecentStrings()
        var checkedWithCache = 0
        defer { #expect(checkedWithCache == 8) }
        for ((tree, top), plain) in zip(zip(whole, packed), unpacked) {
            #expect(top.element.attributes == tree.element.attributes)
            #expect(top.name == tree.element.name)
            #expect(top.namespace == tree.element.namespace)
            for name in ["type", "id", "to", "from", "lang", "h", "missing"] {
                #expect(top[attribute: name] == tree.element[attribute: name], "\(name) on <\(tree.element.name)>")
            }
            let four = top.stanzaAttributes
            #expect(four == StanzaAttributes(type: tree.element[attribute: "type"], id: tree.element[attribute: "id"],
                                             from: tree.element[attribute: "from"], to: tree.element[attribute: "to"]))
            // The same, with one address cache shared across the elements, twice over.
            for _ in 0..<2 {
                var shared = StanzaAttributes()
                top.stanzaAttributes(type: &shared.type, id: &shared.id, from: &shared.from, to: &shared.to, addresses: &addresses)
                #expect(shared == four)
                checkedWithCache += 1
            }
            #expect(top.completeElement() == tree.element)
            #expect(top == plain)
        }
        #expect(packed[0][attribute: "id"] == "a&b<c")
        #expect(packed[0][attribute: "from"]?.hasSuffix("-pass-the-inline-room") == true)
        #expect(packed[1].element.attribute("lang", namespace: "http://www.w3.org/XML/1998/namespace") == "fr")
        #expect(packed[1][attribute: "to"] == "")
        #expect(packed[1].element.attribute("to", namespace: "urn:p") == "elsewhere")
        #expect(packed[2].element.attributes.isEmpty)
    }

    @Test("a full framer ignores packsAttributes; a set element keeps what was set")
    func fullAndSet() {
        let framer = XMLFramer(content: .full)
        framer.packsAttributes = true
        var elements: [FramedElement] = []
        framer.feed(Array(Self.stream.utf8)) { if case .element(let element) = $0 { elements.append(element) } }
        #expect(elements.count == 4)
        #expect(elements[0].element.attributes.count == 4)

        var packed = Self.frame(packing: true, content: .topLevel)[0]
        let copy = packed
        var replaced = packed.element
        replaced.attributes = [Attribute(name: "id", value: "new")]
        packed.element = replaced
        #expect(packed[attribute: "id"] == "new")
        #expect(packed[attribute: "type"] == nil)
        #expect(packed.stanzaAttributes == StanzaAttributes(id: "new"))
        // Copies share what the framer made: setting one's element leaves the other as it was.
        #expect(copy[attribute: "id"] != "new")
        #expect(copy.stanzaAttributes != packed.stanzaAttributes)
        #expect(copy.raw == packed.raw && copy.offset == packed.offset)
    }
}
