import Foundation
@testable import XMPPCore
import Testing

private let H = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"

/// Every chunking of `input` gives the events of the whole-buffer feed.
private func expectChunkingInvariant(_ input: [UInt8], limits: FramerLimits = .default,
                                     sourceLocation: SourceLocation = #_sourceLocation) {
    let whole = frame(input, limits: limits)
    for size in 1...24 where frame(input, chunkSize: size, limits: limits) != whole {
        Issue.record("chunk size \(size) differs for \(String(decoding: input, as: UTF8.self).debugDescription)",
                     sourceLocation: sourceLocation)
        return
    }
}

/// Cases found in review, each once a bug.
@Suite("XML framer regressions")
struct FramerRegressionTests {
    @Test("a self-closing stream header followed by a stanza terminates")
    func selfClosingHeader() {
        let input = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'/><iq/>"
        let events = frame(input)
        #expect(events.headers.count == 1)
        #expect(events.contains { if case .streamClosed(let offset, let raw) = $0 { return offset == 86 && raw.isEmpty } else { return false } })
        #expect(events.names == ["iq"])
        expectChunkingInvariant(Array(input.utf8))
    }

    @Test("a half-received <stream:stream is not taken for a stanza while resynchronising")
    func partialStreamHeaderWhileHunting() {
        let input = Array((H + "<iq></foo>" + H + "<message/>").utf8)
        #expect(frame(input).headers.count == 2)
        expectChunkingInvariant(input)
    }

    @Test("a DOCTYPE before the header is refused and the header still opens the stream")
    func doctypeBeforeHeader() {
        let input = Array(("<?xml version='1.0'?><!DOCTYPE s>" + H + "<iq/>").utf8)
        let events = frame(input)
        #expect(events.errors.first?.condition == "restricted-xml")
        #expect(events.headers.count == 1)
        #expect(events.names == ["iq"])
        expectChunkingInvariant(input)
    }

    @Test("the size limit holds for a start tag, counted from the element's <")
    func startTagLimit() {
        let limits = FramerLimits(maxStanzaBytes: 100, maxDepth: 10)
        let long = frame(H + "<iq id='" + String(repeating: "a", count: 150) + "'/><presence/>", limits: limits)
        #expect(long.errors.map(\.kind) == [.stanzaTooLarge(limit: 100)])
        #expect(long.names == ["presence"])

        let spaced = Array((H + "<iq/>" + String(repeating: " ", count: 80) + "<message>hello</message>").utf8)
        #expect(frame(spaced, limits: limits).errors.isEmpty)
        expectChunkingInvariant(spaced, limits: limits)

        let framer = XMLFramer()
        var events: [FramerEvent] = []
        framer.feed(Array((H + "<iq id='").utf8)) { events.append($0) }
        for _ in 0..<3 { framer.feed([UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)) { events.append($0) } }
        #expect(framer.bufferedByteCount < 64 * 1024)
        framer.finish { events.append($0) }
        #expect(events.errors.map(\.kind) == [.stanzaTooLarge(limit: 1 << 20)])
        #expect(events.errors.first?.skippedCount == 3 << 20 + 8)  // with "<iq id='"
    }

    @Test("an element of exactly the limit passes; one byte more does not")
    func limitIsExact() {
        let limits = FramerLimits(maxStanzaBytes: 100, maxDepth: 10)
        let exact = "<iq>" + String(repeating: "a", count: 91) + "</iq>"
        #expect(exact.utf8.count == 100)
        #expect(frame(H + exact, limits: limits).errors.isEmpty)
        let over = "<iq>" + String(repeating: "a", count: 92) + "</iq>"
        #expect(frame(H + over, limits: limits).errors.map(\.kind) == [.stanzaTooLarge(limit: 100)])
    }

    @Test("bytes between stanzas never leak into the next stanza's raw bytes")
    func rawBytesExact() {
        let input = Array((H + "<iq/><![CDATA[z]]><presence/>").utf8)
        let events = frame(input)
        #expect(events.elements.last.map { String(decoding: $0.raw, as: UTF8.self) } == "<presence/>")
        expectChunkingInvariant(input)
    }

    @Test("a namespace error on a restarted tag is reported once")
    func namespaceErrorOnce() {
        #expect(frame("<?xml version='1.0'?><foo:iq/>").errors.count == 1)
        #expect(frame(H + "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' a:b='c'><iq/>").errors.count == 1)
    }

    @Test("a byte order mark before the header")
    func byteOrderMark() {
        let input: [UInt8] = [0xEF, 0xBB, 0xBF] + Array((H + "<iq/>").utf8)
        let events = frame(input)
        #expect(events.headers.count == 1)
        #expect(events.errors.isEmpty)
        expectChunkingInvariant(input)
    }

    @Test("invalid UTF-8 gives one message and position whatever the chunking")
    func invalidUTF8() {
        let input = Array((H + "<iq>").utf8) + [0xFF] + Array("</iq><presence/>".utf8)
        let events = frame(input)
        #expect(events.errors.count == 1)
        #expect(events.errors.first?.position.offset == H.utf8.count + 4)
        #expect(events.names == ["presence"])
        expectChunkingInvariant(input)
    }

    @Test("hunting after a gap holds no more than a few bytes")
    func boundedWhileHunting() {
        let framer = XMLFramer()
        var events: [FramerEvent] = []
        framer.feed(Array((H + "<presence/>").utf8)) { events.append($0) }
        framer.gap(missing: 10) { events.append($0) }
        var random = SystemRandomNumberGenerator()
        for _ in 0..<64 {
            let noise = (0..<(1 << 16)).map { _ in UInt8.random(in: 0x80...0xFF, using: &random) }
            framer.feed(noise) { events.append($0) }
            #expect(framer.bufferedByteCount < 200 * 1024)
        }
    }

    @Test("children of an element past a limit never come out as stanzas")
    func discardedChildren() {
        let big = frame(H + "<iq>" + String(repeating: "<message/>", count: 20) + "</iq><presence/>",
                        limits: FramerLimits(maxStanzaBytes: 100, maxDepth: 10))
        #expect(big.errors.map(\.kind) == [.stanzaTooLarge(limit: 100)])
        #expect(big.names == ["presence"])
        #expect(big.errors.first?.skippedCount == 4 + 200 + 5)

        let deep = frame(H + "<iq><a><b><c><d><iq/></d></c></b></a></iq><presence/>", limits: FramerLimits(maxStanzaBytes: 1000, maxDepth: 3))
        #expect(deep.errors.map(\.kind) == [.tooDeep(limit: 3)])
        #expect(deep.names == ["presence"])
    }

    @Test("many errors in one buffer cost linear time")
    func manyErrors() {
        let input = H + String(repeating: "<message><x:a/></message>\n", count: 20_000)
        let events = frame(input)
        #expect(events.errors.count == 20_000)
        #expect(events.errors.last?.position.line == 20_000)
    }
}

/// Random sequences of well-formed and broken XMPP pieces, fed in many chunkings.
@Suite("XML framer: random inputs")
struct FramerSoupTests {
    static let pieces: [[UInt8]] = [
        H, "<?xml version='1.0'?>", "<iq type='get' id='1'><query xmlns='jabber:iq:roster'/></iq>", "<presence/>",
        "<message><body>hé &amp; 你</body></message>", "</stream:stream>", "<stream:features/>", "<!-- c -->",
        "<?pi x?>", "&foo;", "<![CDATA[z]]>", "<iq>", "</iq>", "</foo>", "<a", "'", " ", "\n", "text", "<x:y/>",
        "<db:result>k</db:result>", "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", "<!DOCTYPE x>",
        "<message id='1' id='2'/>", "<stream:stream", ">", "/>", "<",
    ].map { Array($0.utf8) } + [[0xFF], [0xC3], [0x00], [0xEF, 0xBB, 0xBF]]

    @Test("every chunking gives the events of the whole feed")
    func soup() {
        // XMPPSCOPE_SOUP_SEED / XMPPSCOPE_SOUP_COUNT explore further than the default run.
        let environment = ProcessInfo.processInfo.environment
        var generator = SplitMix(seed: environment["XMPPSCOPE_SOUP_SEED"].flatMap { UInt64($0) } ?? 0x5EED)
        for _ in 0..<(environment["XMPPSCOPE_SOUP_COUNT"].flatMap { Int($0) } ?? 300) {
            var input: [UInt8] = []
            for _ in 0..<Int(generator.next() % 12 + 1) { input += Self.pieces[Int(generator.next() % UInt64(Self.pieces.count))] }
            let whole = frame(input)
            var sizes = Array(1...12).map { [$0] }
            for _ in 0..<8 { sizes.append((0..<16).map { _ in Int(generator.next() % 7 + 1) }) }
            for pattern in sizes {
                let framer = XMLFramer()
                var events: [FramerEvent] = []
                var index = 0, step = 0
                while index < input.count {
                    let end = min(input.count, index + pattern[step % pattern.count])
                    framer.feed(input[index..<end]) { events.append($0) }
                    index = end
                    step += 1
                }
                framer.finish { events.append($0) }
                if events != whole {
                    Issue.record("chunks \(pattern) differ for \(String(decoding: input, as: UTF8.self).debugDescription)")
                    return
                }
            }
        }
    }
}

/// A small deterministic generator (SplitMix64), so the random inputs are the same every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
