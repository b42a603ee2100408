import Testing
@testable import XMPPCore

@Suite("XML framer: namespace lists shared between elements")
struct NamespaceListCacheTests {
    /// A hundred kinds of stanza (more than the cache's slots), each with its own namespaces below it.
    static let kinds = (0..<100).map { kind in
        "<iq type='get' id='k\(kind)'><q xmlns='urn:kind:\(kind)'><x xmlns='urn:x:\(kind % 3)'/></q></iq>"
    }
    static let header = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"

    @Test("every element's namespaces are its own, kinds repeating, across restarts and shared dictionaries")
    func ownNamespaces() {
        // Three streams on one framer (each restart drops the context and its dictionary), and a
        // second framer sharing the first one's dictionary.
        let names = SharedNameDictionary()
        let first = XMLFramer(content: .topLevel, nameDictionary: names)
        let second = XMLFramer(content: .topLevel, nameDictionary: names)
        var checked = 0
        for stream in 0..<3 {
            for framer in [first, second] {
                let order = Self.kinds.indices.map { ($0 * 5 + stream) % Self.kinds.count }
                let text = Self.header + (order + order.reversed()).map { Self.kinds[$0] }.joined()
                var elements: [FramedElement] = []
                framer.feed(Array(text.utf8)) { if case .element(let element) = $0 { elements.append(element) } }
                #expect(elements.count == 2 * Self.kinds.count)
                for element in elements {
                    let kind = Int(element[attribute: "id"]!.dropFirst())!
                    #expect(element.namespaces == ["jabber:client", "urn:kind:\(kind)", "urn:x:\(kind % 3)"])
                    #expect(element.namespaces == element.completeElement().namespacesInUse)
                    checked += 1
                }
                framer.resetForNewStream()
            }
        }
        #expect(checked == 3 * 2 * 2 * Self.kinds.count)
    }
}
