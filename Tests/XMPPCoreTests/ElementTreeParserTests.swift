import Foundation
import Testing
@testable import XMPPCore

@Suite("Element trees built again, through one kept context")
struct ElementTreeParserTests {
    static let clientHeader = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.com' id='s1' version='1.0' xml:lang='en'>"
    static let serverHeader = "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' to='b.example' from='a.example' version='1.0'>"
    static let boshBody = "<body xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh' rid='1' sid='x'>"
    static let stanzas = [
        "<iq type='get' id='1'><query xmlns='jabber:iq:roster'/></iq>",
        "<message to='a@b' type='error'><body>hi &amp; bye</body><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>",
        "<db:result from='a.example' to='b.example'>abc</db:result>",
        "<presence><x xmlns='urn:x' xmlns:p='urn:p'><p:y p:z='1'/></x></presence>",
    ]

    /// Every stanza framed top-only under each header, as the framing stage frames them.
    static func framed() -> [FramedElement] {
        var result: [FramedElement] = []
        for header in [clientHeader, serverHeader, boshBody] {
            let framer = XMLFramer(content: .topLevel)
            framer.readsBOSHBodies = header == boshBody
            framer.packsAttributes = true
            framer.feed(Array((header + stanzas.joined()).utf8)) { if case .element(let element) = $0 { result.append(element) } }
        }
        return result
    }

    @Test("the kept context builds the trees a fresh one does, headers alternating")
    func sameTrees() {
        let elements = Self.framed()
        #expect(elements.count == 3 * Self.stanzas.count)
        let parser = ElementTreeParser()
        var compared = 0
        // Interleaved, as records of many connections come.
        for round in 0..<3 {
            // A fixed interleaving (5 is prime to 12): every element once, the header changing each time.
            for element in elements.indices.map({ elements[($0 * 5 + round) % elements.count] }) {
                let fresh = element.completeElement()
                #expect(element.completeElement(using: parser) == fresh, "round \(round): \(String(decoding: element.raw, as: UTF8.self))")
                compared += 1
            }
        }
        #expect(compared == 36)
        #expect(elements[4 + 2].completeElement(using: parser).namespace == "jabber:server:dialback")
        #expect(elements[4 + 1].completeElement(using: parser).namespace == "jabber:server")
        // A stanza shorter than its stream header (the fresh parse once fell back to jabber:client).
        #expect(elements[4].completeElement().namespace == "jabber:server")
        #expect(elements[4].completeElement(using: parser).namespace == "jabber:server")
        #expect(elements[8].completeElement(using: parser).namespace == "http://jabber.org/protocol/httpbind")
    }

    @Test("the element's header is the stream header's namespace scope, nothing else")
    func headerScope() {
        let elements = Self.framed()
        #expect(String(decoding: elements[0].header, as: UTF8.self)
            == "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")
        #expect(String(decoding: elements[8].header, as: UTF8.self)
            == "<body xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh'>")
    }

    @Test("one framer over BOSH bodies whose declarations change and come back: each element carries its own body's scope")
    func headerScopeFollowsBodies() {
        let plain = "<body xmlns='http://jabber.org/protocol/httpbind' rid='1' sid='x'>"
        let withStream = "<body xmlns='http://jabber.org/protocol/httpbind' xmlns:stream='http://etherx.jabber.org/streams' rid='2' sid='x'>"
        let withXBOSH = "<body xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh' rid='3' sid='x'>"
        let bodies = [plain, plain, withStream, withStream, plain, withXBOSH, plain]
        let framer = XMLFramer(content: .topLevel)
        framer.readsBOSHBodies = true
        framer.packsAttributes = true
        var headers: [String] = []
        for body in bodies {
            // As the framing stage feeds BOSH: each body is a document of its own.
            framer.feed(Array((body + "<message xmlns='jabber:client' id='m'/></body>").utf8)) {
                if case .element(let element) = $0 { headers.append(String(decoding: element.header, as: UTF8.self)) }
            }
            if !framer.isBetweenItems { framer.finish { _ in } }
        }
        let expected = bodies.map { body in
            body.replacingOccurrences(of: #" rid='\d' sid='x'"#, with: "", options: .regularExpression)
        }
        #expect(headers.count == bodies.count)
        #expect(headers == expected)
    }

    @Test("past its element count, and after bytes that are not one clean element, the context starts again")
    func freshContexts() {
        let parser = ElementTreeParser()
        let element = Self.framed()[1]
        for _ in 0..<(ElementTreeParser.elementsPerContext + 5) {
            #expect(element.completeElement(using: parser).elements.map { $0.name } == ["body", "error"])
        }
        // Not well-formed, then two elements in one: each is parsed as the fresh parse would.
        let header = element.header
        #expect(parser.parse(Array("<iq><a></iq>".utf8), header: header) == XMLFramer.parseElement(Array("<iq><a></iq>".utf8), header: header))
        let two = Array("<iq id='1'/><iq id='2'/>".utf8)
        #expect(parser.parse(two, header: header)?[attribute: "id"] == "1")
        #expect(parser.parse(Array(Self.stanzas[0].utf8), header: header).map { Array($0.elements).count } == 1)
    }
}
