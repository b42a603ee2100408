import Testing
import XMPPCore
import XMPPCapture
@testable import XMPPInspect
import XMPPBase

/// The pretty output's text decided on bytes (``XMLTextBytes``) against the same decisions made on
/// Swift characters, and the printer's text nodes: escaped, cut after 300 characters, kept whole
/// with --full.
@Suite("Pretty output: text as bytes")
struct PrettyTextTests {
    private func bytes(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> [UInt8]) -> String {
        var text = text
        return String(decoding: text.withUTF8(body), as: UTF8.self)
    }

    private func escapedText(_ text: String) -> String {
        bytes(text) { input in
            var out: [UInt8] = []
            XMLTextBytes.appendEscapedText(input, to: &out)
            return out
        }
    }

    private func escapedAttribute(_ text: String) -> String {
        bytes(text) { input in
            var out: [UInt8] = []
            XMLTextBytes.appendEscapedAttribute(input, to: &out)
            return out
        }
    }

    private func trimmed(_ text: String) -> String { bytes(text) { Array(XMLTextBytes.trimmed($0)) } }

    private func hasContent(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { XMLTextBytes.hasContent($0) }
    }

    private func prefixLength(_ text: String, _ limit: Int) -> Int? {
        var text = text
        return text.withUTF8 { XMLTextBytes.prefixLength($0, characters: limit) }
    }

    /// What the printer did on characters: the bytes of the first `limit` characters, nil when
    /// nothing is cut.
    private func characterPrefixLength(_ text: String, _ limit: Int) -> Int? {
        let kept = text.prefix(limit).utf8.count
        return kept < text.utf8.count ? kept : nil
    }

    @Test("escaping on bytes equals escaping on characters for text without combining marks after & < > ' \"")
    func escapingMatchesCharacters() {
        let samples = ["", "plain", "a&b", "<x>&amp;</x>", "it's \"quoted\"", "é & ü < 😀 > ☃", "&&&", "<<<>>>",
                       "\r\n&\r\n", String(repeating: "ab&<>'\"ç", count: 50)]
        for sample in samples {
            #expect(escapedText(sample) == sample.escapedForXMLText, "text: \(sample)")
            #expect(escapedAttribute(sample) == sample.escapedForXMLAttribute, "attribute: \(sample)")
        }
        #expect(escapedText("a&b<c>d") == "a&amp;b&lt;c&gt;d")
        #expect(escapedAttribute("a&b<c>'\"") == "a&amp;b&lt;c>&apos;&quot;")
    }

    @Test("eight bytes at a time: every special byte is escaped wherever it falls in a word, in long and short texts")
    func escapingAtEveryPosition() {
        for length in 0...40 {
            for position in 0..<max(length, 1) {
                for special in ["&", "<", ">", "'", "\""] {
                    var characters = Array(repeating: "x", count: length)
                    if length > 0 { characters[position] = special }
                    // A second one, and a multi-byte character, further on.
                    if length > position + 9 { characters[position + 9] = "<"; characters[position + 5] = "é" }
                    let sample = characters.joined()
                    #expect(escapedText(sample) == sample.escapedForXMLText, "text: \(sample)")
                    #expect(escapedAttribute(sample) == sample.escapedForXMLAttribute, "attribute: \(sample)")
                }
            }
        }
    }

    @Test("a & or < followed by a combining mark is still escaped (one Character, but XML markup)")
    func combiningMarkAfterMarkup() {
        #expect(escapedText("x&\u{301}y") == "x&amp;\u{301}y")
        #expect(escapedText("<\u{301}") == "&lt;\u{301}")
        #expect(escapedAttribute("'\u{301}") == "&apos;\u{301}")
    }

    @Test("white space trimmed on bytes: space, tab, CR, LF, nothing else")
    func trimming() {
        #expect(trimmed(" \t\r\n hello world \n\r\t ") == "hello world")
        #expect(trimmed(" \n \t ") == "")
        #expect(trimmed("") == "")
        #expect(trimmed("\u{A0}x\u{A0}") == "\u{A0}x\u{A0}")
        #expect(trimmed("  é  ") == "é")
        #expect(!hasContent(" \n"))
        #expect(hasContent(" é"))
    }

    @Test("where a long text is cut: after the limit's character, never inside one")
    func prefixLengths() {
        #expect(prefixLength(String(repeating: "a", count: 300), 300) == nil)
        #expect(prefixLength(String(repeating: "a", count: 301), 300) == 300)
        // Two bytes a character: 300 characters are 600 bytes.
        #expect(prefixLength(String(repeating: "é", count: 400), 300) == 600)
        // CR LF is one character: 200 of them are 400 bytes but not more than 300 characters.
        #expect(prefixLength(String(repeating: "\r\n", count: 200), 300) == nil)
        // The 300th character is CR LF: cut after its LF.
        #expect(prefixLength(String(repeating: "a", count: 299) + "\r\n" + "bbbbbbbbbb", 300) == 301)
        // The 300th character is 'a' with a combining accent: nothing left after it.
        #expect(prefixLength(String(repeating: "a", count: 300) + "\u{301}", 300) == nil)
        #expect(prefixLength(String(repeating: "a", count: 300) + "\u{301}b", 300) == 302)
        #expect(prefixLength(String(repeating: "😀", count: 301), 300) == 1200)
    }

    @Test("prefix lengths equal the character count's on 4,000 mixed texts")
    func prefixLengthsMatchCharacters() {
        let alphabet = ["a", "b", " ", "\n", "\r", "\r\n", "é", "e\u{301}", "\u{301}", "😀", "👍🏽", "&", "<", "日"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var compared = 0
        var cut = 0
        for _ in 0..<4000 {
            let text = (0..<next(40)).map { _ in alphabet[next(alphabet.count)] }.joined()
            let limit = 1 + next(20)
            let expected = characterPrefixLength(text, limit)
            #expect(prefixLength(text, limit) == expected, "text: \(Array(text.unicodeScalars)), limit \(limit)")
            compared += 1
            if expected != nil { cut += 1 }
        }
        #expect(compared == 4000)
        #expect(cut > 1000)
    }

    // MARK: The printer

    private static let start = Timestamp(microseconds: 1_764_000_000_000_000)

    private func printed(_ c2s: String, full: Bool = false) -> String {
        var records: [Record] = []
        let inspector = Inspector(options: InspectorOptions(checks: nil)) { records.append($0) }
        inspector.connectionOpened(TCPConnectionInfo(
            id: 0, client: Endpoint(address: .v4(0x7F00_0001), port: 40000),
            server: Endpoint(address: .v4(0x7F00_0001), port: 5222), sawHandshake: true, firstPacket: 0, openedAt: Self.start))
        let stream = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='x.test' version='1.0'>"
        Array((stream + c2s).utf8).withUnsafeBytes { inspector.connection(0, received: $0, direction: .c2s, at: Self.start) }
        inspector.connectionClosed(0, reason: .fin, at: Self.start)
        let printer = PrettyPrinter(output: BufferedOutput(), style: .plain, showFullText: full)
        return records.filter { $0.event == .stanza }.map(printer.render).joined()
    }

    @Test("a body of 301 characters is cut after 300, and the bytes left out are counted")
    func longBodyCut() {
        let body = String(repeating: "é", count: 300) + "&amp;"
        let text = printed("<message to='b@x.test' id='m1'><body>\(body)</body></message>")
        #expect(text.contains("<body>" + String(repeating: "é", count: 300) + "… (+1 B; --full shows all)</body>"))
        let full = printed("<message to='b@x.test' id='m1'><body>\(body)</body></message>", full: true)
        #expect(full.contains("<body>" + String(repeating: "é", count: 300) + "&amp;</body>"))
    }

    @Test("text beside child elements is trimmed of white space and escaped; a leaf's text is not trimmed")
    func mixedContent() {
        let text = printed("<message id='m2'><body> a &lt; b </body><x xmlns='urn:example'>\n  lead &amp; <y/>\n trail \n</x></message>")
        #expect(text.contains("<body> a &lt; b </body>"))
        #expect(text.contains("\n        lead &amp;\n        <y/>\n        trail\n      </x>\n"))
    }

    @Test("attribute values escaped for single quotes; the header's time of day in UTC")
    func attributesAndTime() {
        let text = printed("<presence id='p&apos;1' to='a&amp;b@x.test'/>")
        #expect(text.contains("<presence id='p&apos;1' to='a&amp;b@x.test'/>"))
        // 1_764_000_000 s since the epoch is 2025-11-24T16:00:00Z.
        #expect(text.hasPrefix("16:00:00.000000 #0 c2s → presence id=p'1"))
    }
}
