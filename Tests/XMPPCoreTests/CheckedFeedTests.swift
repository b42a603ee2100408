import Testing
@testable import XMPPCore

/// Bytes found valid on another thread (``XMLFramer/isValidXMLText(_:)``) are fed with `checked`
/// set, and the framer does not check their characters again. Whatever the chunking, and wherever
/// an invalid byte or a character split over two chunks falls, the events must be those of the
/// same bytes fed unchecked.
@Suite("XML framer: bytes fed as checked")
struct CheckedFeedTests {
    static let header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.org' version='1.0'>"

    static let streams: [(name: String, bytes: [UInt8])] = [
        ("valid, with multi-byte characters, a tab and newlines",
         Array((header + "<message id='a' to='jülïet@example.org'><body>€ and 😀\n\tdone</body></message>\n<presence id='b'/>").utf8)),
        ("an invalid byte inside a stanza, between valid ones",
         Array((header + "<presence id='a'/><message id='m'><body>x").utf8) + [0xFF] + Array("y</body></message><presence id='b'/>".utf8)),
        ("a control character",
         Array((header + "<presence id='a'/><message id='m'><body>").utf8) + [0x01] + Array("</body></message><presence id='b'/>".utf8)),
        ("a sequence cut short by the next tag",
         Array((header + "<message id='m'><body>").utf8) + [0xE2, 0x82] + Array("</body></message><presence id='b'/>".utf8)),
        ("a restart after SASL, with a character split around it",
         Array((header + "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>" + header + "<message id='é'><body>ü</body></message>").utf8)),
    ]

    /// The events of `input` fed in chunks of `size`, each chunk `checked` where it is valid text
    /// when `checking`; and how many chunks were fed as checked.
    private func frame(_ input: [UInt8], size: Int, checking: Bool, limits: FramerLimits = .default) -> (events: [FramerEvent], checked: Int) {
        let framer = XMLFramer(limits: limits)
        var events: [FramerEvent] = []
        var checked = 0
        var index = 0
        while index < input.count {
            let end = min(input.count, index + size)
            Array(input[index..<end]).withUnsafeBytes { chunk in
                let valid = checking && XMLFramer.isValidXMLText(chunk)
                if valid { checked += 1 }
                framer.feed(chunk, checked: valid) { events.append($0) }
            }
            index = end
        }
        framer.finish { events.append($0) }
        return (events, checked)
    }

    @Test("the events of bytes fed as checked are those of the bytes fed unchecked, in every chunking")
    func sameEventsAsUnchecked() {
        var compared = 0, checkedChunks = 0, uncheckedChunks = 0
        for (name, bytes) in Self.streams {
            let expected = frame(bytes, size: .max, checking: false).events
            #expect(!expected.elements.isEmpty, "\(name)")
            for size in [1, 2, 3, 5, 7, 16, 64, 1_000] {
                let (events, checked) = frame(bytes, size: size, checking: true)
                #expect(events == expected, "\(name), chunks of \(size)")
                compared += 1
                checkedChunks += checked
                uncheckedChunks += (bytes.count + size - 1) / size - checked
            }
        }
        #expect(compared == Self.streams.count * 8)
        // Both kinds were fed: chunks found valid, and chunks left to the framer to check.
        #expect(checkedChunks > 1_000)
        #expect(uncheckedChunks > 20)
    }

    /// A stanza size limit that falls inside a multi-byte character of a checked run: unchecked,
    /// the validator takes the character whole before libxml2 sees the bytes, so the limit is met
    /// (and reported) after it; checked, it must be the same (a second reader found it one to
    /// three bytes earlier).
    @Test("the stanza size limit inside a character of a checked run is met where it is met unchecked")
    func limitInsideACharacter() {
        var compared = 0, limitErrors = 0
        for pad in 0..<3 {
            let body = String(repeating: "a", count: pad) + String(repeating: "é", count: 200)
            let bytes = Array((Self.header + "<message id='m'><body>" + body + "</body></message><presence id='b'/>").utf8)
            for limit in 160..<260 {
                let limits = FramerLimits(maxStanzaBytes: limit, maxDepth: 100)
                let expected = frame(bytes, size: .max, checking: false, limits: limits).events
                let (events, checked) = frame(bytes, size: .max, checking: true, limits: limits)
                #expect(checked == 1)
                #expect(events == expected, "pad \(pad), limit \(limit)")
                compared += 1
                if expected.errors.contains(where: { if case .stanzaTooLarge = $0.kind { return true } else { return false } }) { limitErrors += 1 }
            }
        }
        #expect(compared == 300)
        #expect(limitErrors == 300)
    }

    @Test("isValidXMLText: valid text, a split or bad character, a control byte, nothing")
    func validText() {
        func valid(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { XMLFramer.isValidXMLText($0) } }
        #expect(valid(Array("<body>€ 😀\t\r\n</body>".utf8)))
        #expect(valid([]))
        #expect(!valid(Array("<body>".utf8) + [0xE2, 0x82]))  // cut at the end: not whole
        #expect(!valid([0x82, 0xAC] + Array("</body>".utf8)))  // the rest of one cut before
        #expect(!valid(Array("a".utf8) + [0x01]))
        #expect(!valid([0xFF]))
    }
}
