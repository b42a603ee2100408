@testable import XMPPCore
import Testing
import XMPPBase

// Hostile input to the framer: each case checks the error (kind, message, position, bytes skipped)
// and that the stanzas after it still decode, in several chunkings. Already covered elsewhere and
// not repeated: a billion-laughs document and an external entity with no stream around them
// (FramerErrorTests.billionLaughs, .externalEntity), a DOCTYPE before the header
// (FramerRegressionTests.doctypeBeforeHeader), a million unclosed levels not crashing
// (FramerErrorTests.depthLimit), a 3 MB start tag held in bounded memory
// (FramerRegressionTests.startTagLimit), an unbound element prefix (FramerErrorTests.unboundPrefix).

private let header = clientHeader
private let headerLength = clientHeader.utf8.count  // 137

/// The framer's events for `input` fed whole and in 1- and 7-byte chunks, which must all agree.
private func frameEveryWay(_ input: [UInt8], limits: FramerLimits = .default,
                           sourceLocation: SourceLocation = #_sourceLocation) -> [FramerEvent] {
    let whole = frame(input, limits: limits)
    for size in [1, 7] where frame(input, chunkSize: size, limits: limits) != whole {
        Issue.record("chunk size \(size) gives other events", sourceLocation: sourceLocation)
    }
    return whole
}

private func frameEveryWay(_ text: String, limits: FramerLimits = .default,
                           sourceLocation: SourceLocation = #_sourceLocation) -> [FramerEvent] {
    frameEveryWay(Array(text.utf8), limits: limits, sourceLocation: sourceLocation)
}

private func ids(_ events: [FramerEvent]) -> [String] { events.elements.compactMap { $0.element[attribute: "id"] } }

/// Feeds `count` chunks from `next` to a new framer after `prefix`, then `suffix`, checking after
/// every chunk that the framer holds at most `bound` bytes; returns the events.
private func feedLarge(prefix: String, chunk: [UInt8], count: Int, suffix: String, bound: Int,
                       sourceLocation: SourceLocation = #_sourceLocation) -> [FramerEvent] {
    let framer = XMLFramer()
    var events: [FramerEvent] = []
    framer.feed(Array(prefix.utf8)) { events.append($0) }
    var largest = 0
    for _ in 0..<count {
        framer.feed(chunk) { events.append($0) }
        largest = max(largest, framer.bufferedByteCount)
    }
    #expect(largest <= bound, "the framer held \(largest) bytes", sourceLocation: sourceLocation)
    framer.feed(Array(suffix.utf8)) { events.append($0) }
    framer.finish { events.append($0) }
    return events
}

@Suite("Hostile XML")
struct HostileXMLTests {
    // MARK: DTDs and entities

    @Test("Hostile: a billion laughs inside a stream is refused unexpanded, the stanzas after it decode")
    func billionLaughsInStream() {
        var declarations = "<!ENTITY lol0 'lol'>"
        for level in 1...9 {
            declarations += "<!ENTITY lol\(level) '" + String(repeating: "&lol\(level - 1);", count: 10) + "'>"
        }
        let doctype = "<!DOCTYPE lolz [" + declarations + "]>"
        let use = "<message id='lol'><body>&lol9;</body></message>"
        let events = frameEveryWay(header + "<presence id='a'/>" + doctype + use + "<presence id='b'/>")
        let doctypeAt = headerLength + 18
        #expect(events.errors.map(\.kind) == [.restricted(.documentTypeDeclaration(name: "")),
                                              .restricted(.entityReference(name: "lol9"))])
        #expect(events.errors.first?.message == "a DOCTYPE or ENTITY declaration is not allowed in XMPP (RFC 6120 §11.1)")
        #expect(events.errors.first?.position.offset == doctypeAt)
        #expect(events.errors.first?.skippedCount == doctype.utf8.count)
        // The entity was never declared (the DOCTYPE was skipped): the reference is refused on its own.
        #expect(events.errors.last?.message == "a reference to an undeclared entity (&lol9;) is not allowed in XMPP (RFC 6120 §11.1)")
        #expect(events.errors.last?.position.offset == doctypeAt + doctype.utf8.count + 24 + 6)  // after "&lol9;"
        #expect(events.errors.last?.skippedCount == use.utf8.count)
        #expect(ids(events) == ["a", "b"])
        #expect(events.elements.allSatisfy { !$0.element.text.contains("lol") })
    }

    @Test("Hostile: external entities (general and parameter) are refused, never fetched, and decoding goes on")
    func externalEntitiesInStream() {
        for doctype in ["<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>",
                        "<!DOCTYPE x [<!ENTITY % p SYSTEM 'http://127.0.0.1:1/evil.dtd'> %p;]>",
                        "<!DOCTYPE x SYSTEM 'file:///etc/passwd'>"] {
            let events = frameEveryWay(header + "<presence id='a'/>" + doctype + "<message id='b'><body>&e;</body></message><presence id='c'/>")
            #expect(events.errors.first?.kind == .restricted(.documentTypeDeclaration(name: "")), "\(doctype)")
            #expect(events.errors.first?.position.offset == headerLength + 18)
            #expect(events.errors.first?.skippedCount == doctype.utf8.count, "\(doctype)")
            #expect(events.errors.last?.kind == .restricted(.entityReference(name: "e")))
            #expect(ids(events) == ["a", "c"], "\(doctype)")
            #expect(events.elements.allSatisfy { !$0.element.text.contains("root:") })
        }
    }

    /// A DOCTYPE in each place it can appear: (input, offset of `<!DOCTYPE`, bytes skipped, ids decoded).
    static let doctypes: [(String, Int, Int, [String])] = [
        // Before the header (FramerRegressionTests.doctypeBeforeHeader checks the header still opens the stream).
        ("<!DOCTYPE stream:stream>" + header + "<presence id='b'/>", 0, 24, ["b"]),
        // Between stanzas.
        (header + "<presence id='a'/><!DOCTYPE x><presence id='b'/>", headerLength + 18, 12, ["a", "b"]),
        // Inside a stanza, before its first child: the whole stanza is skipped.
        (header + "<presence id='a'/><message id='m'><!DOCTYPE x><body>hi</body></message><presence id='b'/>",
         headerLength + 18 + 16, 53, ["a", "b"]),
        // Deeper inside a stanza.
        (header + "<presence id='a'/><iq type='set' id='i'><query xmlns='jabber:iq:roster'><!DOCTYPE x [<!ENTITY e 'x'>]></query></iq><presence id='b'/>",
         headerLength + 18 + 22 + 32, 97, ["a", "b"]),
        // After the stream's close, before a new stream.
        (header + "<presence id='a'/></stream:stream><!DOCTYPE x>" + header + "<presence id='b'/>",
         headerLength + 18 + 16, 12, ["a", "b"]),
    ]

    @Test("Hostile: a DOCTYPE anywhere is refused as restricted-xml at its own position", arguments: 0..<5)
    func doctypeAnywhere(index: Int) {
        let (input, offset, skipped, expected) = Self.doctypes[index]
        let events = frameEveryWay(input)
        #expect(events.errors.count == 1, "\(events.errors)")
        #expect(events.errors.first?.kind == .restricted(.documentTypeDeclaration(name: "")))
        #expect(events.errors.first?.condition == "restricted-xml")
        #expect(events.errors.first?.position.offset == offset)
        #expect(events.errors.first?.position.column == offset + 1)
        #expect(events.errors.first?.skippedCount == skipped)
        #expect(ids(events) == expected)
    }

    // MARK: Limits

    @Test("Hostile: 1,000,000 levels of nesting: tooDeep at level 101, bounded memory, the next stanza decodes")
    func millionLevels() {
        let levels = 1_000_000
        let open = Array(String(repeating: "<a>", count: 10_000).utf8)
        let close = Array(String(repeating: "</a>", count: 10_000).utf8)
        let framer = XMLFramer()
        var events: [FramerEvent] = []
        framer.feed(Array((header + "<presence id='a'/><message id='deep'>").utf8)) { events.append($0) }
        var largest = 0
        for chunk in [open, close] {
            for _ in 0..<(levels / 10_000) {
                framer.feed(chunk) { events.append($0) }
                largest = max(largest, framer.bufferedByteCount)
            }
        }
        framer.feed(Array("</message><presence id='b'/>".utf8)) { events.append($0) }
        framer.finish { events.append($0) }
        #expect(largest < 256 * 1024, "the framer held \(largest) bytes")
        let messageAt = headerLength + 18
        // <message id='deep'> is level 1, the 100th <a> level 101: libxml2 reports it at the end of its name.
        let tooDeepTag = messageAt + 19 + 100 * 3
        #expect(events.errors.map(\.kind) == [.tooDeep(limit: 100)])
        #expect(events.errors.first?.message == "elements nested deeper than 100 levels; raise --max-depth to decode them")
        #expect((tooDeepTag - 3...tooDeepTag).contains(events.errors.first?.position.offset ?? -1),
                "at \(events.errors.first?.position.offset ?? -1), the 100th <a> ends at \(tooDeepTag)")
        #expect(events.errors.first?.skippedCount == 19 + 7 * levels + 10)
        #expect(ids(events) == ["a", "b"])
        #expect(events.elements.last?.offset == messageAt + 19 + 7 * levels + 10)
    }

    @Test("Hostile: a 100 MB attribute value is refused by the size limit in bounded memory; the next stanza decodes")
    func hugeAttribute() {
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
        let prefix = header + "<presence id='a'/><message id='m' note='"
        let events = feedLarge(prefix: prefix, chunk: chunk, count: 100, suffix: "'/><presence id='b'/>", bound: 64 * 1024)
        let start = headerLength + 18
        #expect(events.errors.map(\.kind) == [.stanzaTooLarge(limit: 1 << 20)])
        #expect(events.errors.first?.message == "element larger than 1048576 bytes; raise --max-stanza-size to decode it")
        #expect(events.errors.first?.position.offset == start + (1 << 20))
        #expect(events.errors.first?.skippedCount == 22 + 100 << 20 + 3)
        #expect(events.errors.first?.skipped.count == FramerError.keptSkippedBytes)
        #expect(ids(events) == ["a", "b"])
        #expect(events.elements.last?.offset == start + 22 + 100 << 20 + 3)
    }

    @Test("Hostile: a 100 MB text node is skipped in bounded memory; the next stanza decodes")
    func hugeTextNode() {
        let chunk = Array(String(repeating: "lorem ipsum ", count: 87_382).utf8)  // ~1 MiB
        let prefix = header + "<presence id='a'/><message id='m'><body>"
        let events = feedLarge(prefix: prefix, chunk: chunk, count: 100, suffix: "</body></message><presence id='b'/>",
                               bound: 4 << 20)
        let start = headerLength + 18
        let element = 22 + 100 * chunk.count + 17
        #expect(events.errors.map(\.kind) == [.stanzaTooLarge(limit: 1 << 20)])
        #expect(events.errors.first?.position.offset == start + (1 << 20))
        #expect(events.errors.first?.skippedCount == element)
        #expect(ids(events) == ["a", "b"])
        #expect(events.elements.last?.offset == start + element)
    }

    @Test("Hostile: an endless text node is reported when the data ends, with bounded memory")
    func endlessTextNode() {
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        let events = feedLarge(prefix: header + "<presence id='a'/><message><body>", chunk: chunk, count: 64,
                               suffix: "", bound: 4 << 20)
        #expect(events.errors.map(\.kind) == [.stanzaTooLarge(limit: 1 << 20)])
        #expect(events.errors.first?.position.offset == headerLength + 18 + (1 << 20))
        #expect(events.errors.first?.skippedCount == 15 + 64 << 20)
        #expect(ids(events) == ["a"])
    }

    // MARK: Bytes that are not XML characters

    /// (name, bytes inside a <body>, message): each invalid sequence starts right after `<body>`.
    static let invalidUTF8: [(String, [UInt8], String)] = [
        ("overlong '/' in two bytes", [0xC0, 0xAF], "invalid UTF-8 (byte 0xc0)"),
        ("overlong NUL in two bytes", [0xC1, 0x80], "invalid UTF-8 (byte 0xc1)"),
        ("overlong in three bytes", [0xE0, 0x80, 0xAF], "invalid UTF-8 (byte 0xe0 followed by 0x80)"),
        ("overlong in four bytes", [0xF0, 0x80, 0x80, 0xAF], "invalid UTF-8 (byte 0xf0 followed by 0x80)"),
        ("UTF-16 high surrogate U+D800", [0xED, 0xA0, 0x80], "invalid UTF-8 (byte 0xed followed by 0xa0)"),
        ("UTF-16 low surrogate U+DFFF", [0xED, 0xBF, 0xBF], "invalid UTF-8 (byte 0xed followed by 0xbf)"),
        ("beyond U+10FFFF", [0xF4, 0x90, 0x80, 0x80], "invalid UTF-8 (byte 0xf4 followed by 0x90)"),
        ("a sequence cut short by the next tag", [0xE2, 0x82], "invalid UTF-8 (byte 0xe2 followed by 0x3c)"),
        ("a lone continuation byte", [0x80], "invalid UTF-8 (byte 0x80)"),
        ("a NUL byte", [0x00], "a NUL byte is not allowed in XML"),
        ("a control character", [0x1B], "control character 0x1b is not allowed in XML"),
    ]

    @Test("Hostile: invalid UTF-8 and control bytes: the exact byte and position, then the next stanza",
          arguments: 0..<11)
    func invalidBytes(index: Int) {
        let (name, bad, message) = Self.invalidUTF8[index]
        let stanza = Array("<message id='m'><body>".utf8) + bad + Array("</body></message>".utf8)
        let input = Array((header + "<presence id='a'/>").utf8) + stanza + Array("<presence id='b'/>".utf8)
        let events = frameEveryWay(input)
        #expect(events.errors.count == 1, "\(name)")
        #expect(events.errors.first?.kind == .malformed(message), "\(name)")
        #expect(events.errors.first?.condition == "not-well-formed")
        #expect(events.errors.first?.position.offset == headerLength + 18 + 22, "\(name)")
        #expect(events.errors.first?.skippedCount == stanza.count, "\(name)")
        #expect(events.errors.first?.skipped == stanza, "\(name)")
        #expect(ids(events) == ["a", "b"], "\(name)")
    }

    @Test("Hostile: a multi-byte character split over two feeds is valid; a cut one is an error in any chunking")
    func sequenceAtChunkBoundary() {
        let before = Array((header + "<message id='a'><body>").utf8)
        let after = Array("</body></message><presence id='b'/>".utf8)
        for split in 1...2 {
            // € (E2 82 AC), its first `split` bytes in one feed, the rest in the next.
            let framer = XMLFramer()
            var events: [FramerEvent] = []
            framer.feed(before + Array([0xE2, 0x82, 0xAC].prefix(split))) { events.append($0) }
            framer.feed(Array([0xE2, 0x82, 0xAC].dropFirst(split)) + after) { events.append($0) }
            framer.finish { events.append($0) }
            #expect(events.errors.isEmpty, "split after \(split)")
            #expect(events.elements.first.map { String(decoding: $0.raw, as: UTF8.self) } == "<message id='a'><body>€</body></message>")
            #expect(ids(events) == ["a", "b"])

            // The same with the continuation bytes missing: the cut sequence waits, then fails at its lead byte.
            let cut = frameEveryWay(before + Array([0xE2, 0x82, 0xAC].prefix(split)) + after)
            #expect(cut.errors.map(\.kind) == [.malformed("invalid UTF-8 (byte 0xe2 followed by 0x3c)")]
                    || cut.errors.map(\.kind) == [.malformed("invalid UTF-8 (byte 0xe2 followed by 0x82)")])
            #expect(cut.errors.first?.position.offset == before.count)
            #expect(ids(cut) == ["b"])
        }
    }

    @Test("Hostile: NUL bytes between stanzas and inside a tag name")
    func nulBytes() {
        let between = frameEveryWay(Array((header + "<presence id='a'/>").utf8) + [0, 0] + Array("<presence id='b'/>".utf8))
        #expect(between.errors.map(\.kind) == [.malformed("a NUL byte is not allowed in XML")])
        #expect(between.errors.first?.position.offset == headerLength + 18)
        #expect(between.errors.first?.skippedCount == 2)
        #expect(ids(between) == ["a", "b"])

        let inName = frameEveryWay(Array((header + "<presence id='a'/><mess").utf8) + [0] + Array("age id='m'/><presence id='b'/>".utf8))
        #expect(inName.errors.map(\.kind) == [.malformed("a NUL byte is not allowed in XML")])
        #expect(inName.errors.first?.position.offset == headerLength + 18 + 5)
        #expect(inName.errors.first?.skippedCount == 18)
        #expect(ids(inName) == ["a", "b"])
    }

    // MARK: Namespaces and attributes

    @Test("Hostile: unbound prefixes on a stanza, a child and an attribute are reported, the stanzas kept")
    func unboundPrefixes() {
        let input = header + "<x:message id='m1'/><message id='m2'><y:body>hi</y:body></message><message id='m3' z:a='1'/><presence id='b'/>"
        let events = frameEveryWay(input)
        #expect(events.errors.map(\.kind) == [
            .namespace("Namespace prefix x on message is not defined"),
            .namespace("Namespace prefix y on body is not defined"),
            .namespace("Namespace prefix z for a on message is not defined"),
        ])
        #expect(events.errors.allSatisfy { $0.isRecoverable && $0.condition == "invalid-namespace" && $0.skippedCount == 0 })
        // Each at the end of the offending start tag's name and attributes, where libxml2 checks it.
        #expect(events.errors.map(\.position.offset) == [headerLength + 18, headerLength + 20 + 17 + 7, headerLength + 20 + 47 + 23])
        #expect(ids(events) == ["m1", "m2", "m3", "b"])
    }

    @Test("Hostile: duplicate attributes on a stanza and on the stream header")
    func duplicateAttributes() {
        let onStanza = frameEveryWay(header + "<presence id='a'/><message id='1' type='chat' id='2'/><presence id='b'/>")
        #expect(onStanza.errors.map(\.kind) == [.malformed("Attribute id redefined")])
        #expect(onStanza.errors.first?.message == "not well-formed XML: Attribute id redefined")
        #expect(onStanza.errors.first?.skippedCount == 36)
        #expect((headerLength + 18 + 28...headerLength + 18 + 35).contains(onStanza.errors.first?.position.offset ?? -1))
        #expect(ids(onStanza) == ["a", "b"])

        // A broken header: the stanzas after it are framed under the default content namespace.
        let badHeader = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='a' to='b'>"
        let onHeader = frameEveryWay(badHeader + "<presence id='b'/><message id='c'/>")
        #expect(onHeader.errors.map(\.kind) == [.malformed("Attribute to redefined")])
        #expect(onHeader.errors.first?.skippedCount == badHeader.utf8.count)
        #expect(onHeader.headers.isEmpty)
        #expect(ids(onHeader) == ["b", "c"])
        #expect(onHeader.elements.allSatisfy { $0.element.namespace == XMPPNamespace.client })
    }

    // MARK: After and inside the stream's end

    @Test("Hostile: text after </stream:stream> is an error; a second root after it decodes as a new stream")
    func afterTheClose() {
        let closeAt = headerLength + 18
        let text = frameEveryWay(header + "<presence id='a'/></stream:stream>junk text<presence id='b'/>")
        #expect(text.errors.map(\.kind) == [.malformed("text outside any element")])
        #expect(text.errors.first?.position.offset == closeAt + 16)
        #expect(text.errors.first?.skipped == Array("junk text".utf8))
        #expect(text.contains { $0.isClose })
        #expect(ids(text) == ["a", "b"])

        // Text and nothing after it: reported when the data ends.
        let trailing = frameEveryWay(header + "<presence id='a'/></stream:stream>\n trailing")
        #expect(trailing.errors.map(\.kind) == [.malformed("text outside any element")])
        #expect(trailing.errors.first?.skippedCount == 8)

        let second = frameEveryWay(header + "<presence id='a'/></stream:stream>" + header + "<presence id='b'/></stream:stream>")
        #expect(second.errors.isEmpty)
        #expect(second.headers.map(\.offset) == [0, closeAt + 16])
        #expect(ids(second) == ["a", "b"])
    }

    @Test("Hostile: </stream:stream> inside a stanza ends the stream; the stray end tags are one error; decoding goes on")
    func closeInsideStanza() {
        let input = header + "<presence id='a'/><message id='m'><body>a</stream:stream></body></message><presence id='b'/>"
        let events = frameEveryWay(input)
        let messageAt = headerLength + 18
        let closeAt = messageAt + 23
        #expect(events.errors.map(\.kind) == [
            .malformed("Opening and ending tag mismatch: body line 1 and stream:stream"),
            .malformed("an end tag without its start tag"),
        ])
        #expect(events.errors.first?.position.offset == closeAt + 16)
        #expect(events.errors.first?.skipped == Array("<message id='m'><body>a".utf8))
        #expect(events.errors.last?.skipped == Array("</body></message>".utf8))
        #expect(events.contains { if case .streamClosed(let offset, _) = $0 { offset == closeAt } else { false } })
        #expect(ids(events) == ["a", "b"])
    }
}
