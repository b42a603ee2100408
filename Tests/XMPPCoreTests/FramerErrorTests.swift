import Testing
import XMPPCore

@Suite("XML framer: refused and broken input")
struct FramerErrorTests {
    /// RFC 6120 §11.1 constructs, each inside a stream with stanzas before and after.
    static let refused: [(String, String)] = [
        ("<!DOCTYPE stream [<!ENTITY lol 'lol'>]>", "DOCTYPE"),
        ("<message><body>&lol;</body></message>", "undeclared entity"),
        ("<!-- a comment -->", "comment"),
        ("<?php echo 1; ?>", "processing instruction"),
        ("<message><body>a<!-- inside -->b</body></message>", "comment"),
    ]

    @Test("forbidden constructs are refused with restricted-xml and the rest decoded", arguments: 0..<5)
    func refusedConstructs(index: Int) {
        let (construct, _) = Self.refused[index]
        let input = clientHeader + "<presence id='before'/>" + construct + "<iq type='get' id='after'/></stream:stream>"
        for size in [1, 5, 10_000] {
            let events = frame(input, chunkSize: size)
            #expect(events.errors.count == 1, "chunk size \(size): \(events.errors)")
            #expect(events.errors.first?.condition == "restricted-xml")
            #expect(events.elements.map { $0.element[attribute: "id"] } == ["before", "after"], "chunk size \(size)")
        }
    }

    @Test("a DOCTYPE before the stream header is refused; a billion-laughs never expands")
    func billionLaughs() {
        let laughs = "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;'>"
            + "<!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;'>]><lolz>&lol3;</lolz>"
        let events = frame(laughs + "<presence/>")
        #expect(events.errors.first?.condition == "restricted-xml")
        #expect(events.errors.first?.message.contains("DOCTYPE") == true)
        #expect(events.names == ["presence"])
    }

    @Test("an external entity is refused, not fetched")
    func externalEntity() {
        let events = frame("<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><message><body>&e;</body></message><presence/>")
        #expect(events.errors.first?.condition == "restricted-xml")
        #expect(!events.elements.contains { $0.element.text.contains("root") })
        #expect(events.names == ["presence"])
    }

    @Test("a stanza over the size limit is skipped; the next one decodes")
    func sizeLimit() {
        let limits = FramerLimits(maxStanzaBytes: 200, maxDepth: 10)
        let big = "<message><body>" + String(repeating: "x", count: 1000) + "</body></message>"
        let input = clientHeader + "<presence id='a'/>" + big + "<presence id='b'/>"
        for size in [1, 64, 100_000] {
            let events = frame(input, chunkSize: size, limits: limits)
            #expect(events.errors.count == 1, "chunk size \(size)")
            #expect(events.errors.first?.condition == "policy-violation")
            #expect(events.errors.first?.skippedCount == big.utf8.count)
            #expect(events.elements.map { $0.element[attribute: "id"] } == ["a", "b"])
        }
    }

    @Test("nesting past the depth limit is refused; a million levels do not crash")
    func depthLimit() {
        let limits = FramerLimits(maxStanzaBytes: 8 << 20, maxDepth: 5)
        let deep = "<message>" + String(repeating: "<a>", count: 6) + String(repeating: "</a>", count: 6) + "</message>"
        let events = frame(clientHeader + deep + "<presence/>", limits: limits)
        #expect(events.errors.first?.kind == .tooDeep(limit: 5))
        #expect(events.names == ["presence"])

        let million = "<message>" + String(repeating: "<a>", count: 1_000_000)
        let hostile = frame(clientHeader + million + "<presence/>", chunkSize: 65_536)
        #expect(hostile.errors.first?.condition == "policy-violation")
    }

    @Test("malformed XML: error with line:column, then the next stanza decodes")
    func malformed() {
        let input = clientHeader + "\n<message to='a'><body>x</bdy></message>\n<presence id='ok'/>"
        let events = frame(input)
        #expect(events.errors.count == 1)
        let error = events.errors[0]
        #expect(error.condition == "not-well-formed")
        // Inside `</bdy>` (columns 24-29) or just past it, where libxml2 notices the mismatch.
        #expect(error.position.line == 2)
        #expect((24...30).contains(error.position.column))
        #expect(events.elements.map { $0.element[attribute: "id"] } == ["ok"])
        #expect(String(decoding: error.skipped, as: UTF8.self).hasPrefix("<message to='a'>"))
    }

    @Test("invalid UTF-8 and NUL bytes are errors; decoding resumes")
    func invalidBytes() {
        var input = Array((clientHeader + "<message><body>").utf8) + [0xC3, 0x28, 0xFF] + Array("</body></message>".utf8)
        input += Array("<presence id='a'/><message><body>".utf8) + [0] + Array("</body></message><presence id='b'/>".utf8)
        let events = frame(input)
        #expect(events.errors.count == 2)
        #expect(events.elements.map { $0.element[attribute: "id"] } == ["a", "b"])
    }

    @Test("an unbound prefix is reported and the stanza still decoded")
    func unboundPrefix() {
        let events = frame(clientHeader + "<message><x:body>hi</x:body></message>")
        #expect(events.errors.count == 1)
        #expect(events.errors[0].isRecoverable)
        #expect(events.names == ["message"])
    }

    @Test("duplicate attributes, a second root, a close inside a stanza")
    func structuralErrors() {
        let duplicate = frame(clientHeader + "<message id='1' id='2'/><presence id='p'/>")
        #expect(duplicate.errors.count == 1)
        #expect(duplicate.elements.map { $0.element[attribute: "id"] } == ["p"])

        let secondRoot = frame("<iq type='get' id='1'/></stream:stream><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'><presence/>")
        #expect(secondRoot.names == ["iq", "presence"])

        // The close is taken as the stream's end; the stray end tags after it are a second error.
        let closeInside = frame(clientHeader + "<message><body>a</stream:stream></body></message><presence id='p'/>")
        #expect(closeInside.errors.count >= 1)
        #expect(closeInside.contains { $0.isClose })
        #expect(closeInside.names.last == "presence")
    }

    @Test("a gap inside a stanza reports it cut and resumes at the next stanza")
    func gapResynchronises() {
        let framer = XMLFramer()
        var events: [FramerEvent] = []
        framer.feed(Array((clientHeader + "<presence id='a'/><message><body>hel").utf8)) { events.append($0) }
        framer.gap(missing: 500) { events.append($0) }
        framer.feed(Array("lo</body></message><iq type='get' id='b'/>".utf8)) { events.append($0) }
        framer.finish { events.append($0) }
        #expect(events.errors.first?.kind == .cutByGap(missing: 500))
        #expect(events.elements.map { $0.element[attribute: "id"] } == ["a", "b"])
        #expect(events.elements[1].offset == clientHeader.utf8.count + 36 + 500 + 19)
    }

    @Test("data ending inside a stanza is reported as unfinished")
    func unfinished() {
        let events = frame(clientHeader + "<message><body>cut")
        #expect(events.errors.map(\.kind) == [.unfinished])
        #expect(events.errors[0].skippedCount == 18)
    }

    @Test("misspelt xmlns attributes are flagged", arguments: ["cmlns", "xmnls", "xlmns", "xmln", "xmlnsx", "amlns"])
    func misspeltNamespace(attribute: String) {
        let events = frame("<iq type='get' id='r'><query \(attribute)='jabber:iq:roster'/></iq>")
        #expect(events.errors.count == 1)
        #expect(events.errors[0].kind == .misspeltNamespaceDeclaration(attribute: attribute, element: "query"))
        #expect(events.names == ["iq"])
    }

    @Test("the correct xmlns is not flagged")
    func correctNamespaceNotFlagged() {
        #expect(frame("<iq type='get' id='r'><query xmlns='jabber:iq:roster' xml:lang='en'/></iq>").errors.isEmpty)
    }
}
