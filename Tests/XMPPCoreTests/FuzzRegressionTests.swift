import Foundation
@testable import XMPPCore
import Testing
import XMPPBase

/// Inputs the libFuzzer framer target (Fuzz/FuzzFramer, `scripts/fuzz.sh framer`) found, each
/// once a bug: the framer's events depended on how the bytes were chunked. Each is checked as one
/// buffer and in several chunkings.
@Suite("XML framer fuzz regressions")
struct FramerFuzzRegressionTests {
    private let header = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"

    /// The events of `input` fed whole, after checking that every listed chunking gives the same.
    private func sameInEveryChunking(_ input: [UInt8], limits: FramerLimits, chunkSizes: [Int] = [1, 6, 7, 47, 100, 1000],
                                     sourceLocation: SourceLocation = #_sourceLocation) -> [FramerEvent] {
        let whole = frame(input, limits: limits)
        for size in chunkSizes {
            #expect(frame(input, chunkSize: size, limits: limits) == whole, "chunk size \(size)", sourceLocation: sourceLocation)
        }
        return whole
    }

    @Test("an element starting right after a discarded one, in the same parse call, is held to the size limit")
    func limitAfterDiscard() {
        // Two elements each a byte over the limit, no stream header (a capture joined mid-stream).
        let input = Array(("<xdb to='config@-internal' ns='er' from='cm-3.jabber' id='33' type='get'><config id='cm-3.jabber'/></xdb>"
            + "<xd to='cfi/schemas/presence.xsd' config:versin='0' xmlns:nfig='http.com/config' protocol-version='1.0'/>").utf8)
        let events = sameInEveryChunking(input, limits: FramerLimits(maxStanzaBytes: 104, maxDepth: 4))
        #expect(events.elements.isEmpty)
        #expect(events.errors.filter { $0.kind == .stanzaTooLarge(limit: 104) }.count == 2)
    }

    @Test("an element past the limit keeps its first bytes as skipped, however long the stream before it")
    func skippedBytesOfDiscardedElement() {
        // Enough small stanzas before it that the framer's window lets consumed bytes go.
        let before = String(repeating: "<presence/>", count: 500)
        let big = "<message><body>" + String(repeating: "a", count: 6000) + "</body></message>"
        let input = Array((header + before + big + "<iq/>").utf8)
        let events = sameInEveryChunking(input, limits: FramerLimits(maxStanzaBytes: 100, maxDepth: 10))
        let error = events.errors.first { $0.kind == .stanzaTooLarge(limit: 100) }
        #expect(error?.skippedCount == big.utf8.count)
        #expect(error.map { String(decoding: $0.skipped, as: UTF8.self) } == big)
        #expect(events.names.last == "iq")
    }

    @Test("a size limit that falls inside a UTF-8 character is a size error, not invalid UTF-8")
    func limitInsideCharacter() {
        // "<message><body>" and 84 letters are 99 bytes: the limit of 100 ends between ö's two bytes.
        let big = "<message><body>" + String(repeating: "a", count: 84) + "öö wörld</body></message>"
        let input = Array((header + big + "<iq/>").utf8)
        let events = sameInEveryChunking(input, limits: FramerLimits(maxStanzaBytes: 100, maxDepth: 10))
        #expect(events.errors.map(\.kind) == [.stanzaTooLarge(limit: 100)])
        #expect(events.names == ["iq"])
    }
}

/// Found by the framer target (`framer-small-limit-skip-length`): an element past the size limit
/// that broke before its end (here `]]>` in its text) resumed the hunt for the next stanza at the
/// end of what the framer had handed libxml2, since libxml2's cursor is lost once it halts. That
/// end depends on the chunking, so a stanza right after the broken element was kept in one
/// chunking and skipped in another, and every error and element after it differed.
@Suite("XML framer fuzz regressions: resuming after a broken element past a limit")
struct FramerBrokenDiscardTests {

    /// The framer target's limits in both inputs (limit bytes 30 03: 104 bytes, depth 4).
    static let fuzzLimits = FramerLimits(maxStanzaBytes: 104, maxDepth: 4)
    /// The fuzzer's chunking (6, 64, 2, 14), whole, and others.
    static let chunkings = [[6, 64, 2, 14], [1], [7], [64], [104], [105]]

    /// The stream bytes of a fuzz input in FuzzInputs/, after checking the target's 11-byte
    /// header: flags 0x02 (.full, small limits), limit bytes 30 03, chunk bytes 05 3f 01 0d,
    /// four operation bytes (none).
    private func fuzzPayload(_ name: String) throws -> [UInt8] {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("FuzzInputs/" + name)
        let input = try [UInt8](Data(contentsOf: file))
        #expect(Array(input[0..<11]) == [0x02, 0x30, 0x03, 0x05, 0x3F, 0x01, 0x0D, 0, 0, 0, 0])
        return Array(input[11...])
    }

    @Test("the fuzzer's input gives the same errors and elements in its chunking and others")
    func fuzzInput() throws {
        let payload = try fuzzPayload("framer-small-limit-skip-length")
        let whole = frame(payload, sizes: [Int.max], limits: Self.fuzzLimits)
        for sizes in Self.chunkings {
            let events = frame(payload, sizes: sizes, limits: Self.fuzzLimits)
            #expect(events.elements == whole.elements, "chunks \(sizes): elements")
            #expect(events == whole, "chunks \(sizes): events")
        }
        // The second `<challenge>` after the restart (at 1230) breaks the stream off: it never ends.
        #expect(whole.names == ["success"])
        #expect(whole.errors.map(\.skippedCount) == [182, 213, 216, 120, 232, 216, 476])
    }

    @Test("a size limit reached in garbage before a stanza does not take the stanza with it")
    func limitInGarbageBeforeStanza() throws {
        // Found by the framer target (a 5-minute run, 2026-12-01): a broken start tag at 1022
        // (`<stream:streatp:…`) that libxml2 had not judged yet when 104 bytes had gone by in
        // the fuzzer's chunking; the limit was laid on the last tag before it, the `<auth>` at
        // 1124 (91 bytes), which was skipped. Whole, libxml2 reported the broken tag first.
        let payload = try fuzzPayload("framer-limit-after-broken-tag")
        let whole = frame(payload, sizes: [Int.max], limits: Self.fuzzLimits)
        #expect(whole.names == ["auth"])
        for sizes in Self.chunkings {
            let events = frame(payload, sizes: sizes, limits: Self.fuzzLimits)
            #expect(events.elements == whole.elements, "chunks \(sizes): elements")
            // Which error the broken tag gets still depends on the chunking (Fuzz/corpus/known),
            // but the bytes it skips do not.
            #expect(events.errors.map(\.skippedCount).reduce(0, +) == whole.errors.map(\.skippedCount).reduce(0, +),
                    "chunks \(sizes): bytes skipped")
        }
    }

    @Test("a stanza right after an element past the limit that breaks is kept, whatever the chunking")
    func stanzaAfterBrokenDiscard() {
        let header = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
        // 104 bytes reached inside the text; `]]>` is not allowed there and halts libxml2.
        let broken = "<challenge>" + String(repeating: "a", count: 110) + "]]>b</challenge>"
        let input = Array((header + broken + "<iq/><presence/>").utf8)
        let limits = FramerLimits(maxStanzaBytes: 104, maxDepth: 4)
        for sizes in [[Int.max], [1], [7], [3, 50], [104]] {
            let events = frame(input, sizes: sizes, limits: limits)
            #expect(events.names == ["iq", "presence"], "chunks \(sizes)")
            #expect(events.errors.map(\.kind) == [.stanzaTooLarge(limit: 104)], "chunks \(sizes)")
            #expect(events.errors.first?.skippedCount == broken.utf8.count, "chunks \(sizes)")
        }
    }
}

/// Found by the framer target: once libxml2 had halted the parser, its input cursor no longer
/// pointed into its buffer, and the framer's position arithmetic trapped ("Not enough bits to
/// represent the passed value"): hostile bytes could crash `replay`.
@Suite("XML framer fuzz crash")
struct FramerFuzzCrashTests {
    @Test("the halted-parser input frames without trapping, in the fuzzer's chunking and others")
    func haltedParserCursor() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("FuzzInputs/framer-context-cursor-trap")
        let input = try [UInt8](Data(contentsOf: file))
        // The target's layout: flags 0x01 (.topLevel, default limits), two limit bytes, chunk
        // bytes c8 01 21 00 (pieces of 2304, 2, 34, then the rest), four operation bytes.
        let payload = Array(input[11...])
        for sizes in [[2304, 2, 34, Int.max], [1], [7], [64], [Int.max]] {
            let events = frame(payload, sizes: sizes, content: .topLevel)
            #expect(!events.errors.isEmpty, "chunks \(sizes): the malformed input is reported")
            for error in events.errors {
                #expect(error.position.offset >= 0 && error.position.offset <= payload.count, "chunks \(sizes)")
            }
        }
    }
}

/// Found by the capture target (Fuzz/FuzzPcap): a pcapng packet whose 64-bit timestamp,
/// in microseconds, does not fit an Int64 trapped `xmppscope replay`.
@Suite("Timestamp fuzz regressions")
struct TimestampFuzzRegressionTests {
    @Test("a timestamp too far out saturates instead of trapping, and differences still fit")
    func saturates() {
        let late = Timestamp(seconds: .max / 1000, microseconds: 999_999)
        let early = Timestamp(seconds: .min / 1000, microseconds: -5)
        #expect(late > Timestamp(seconds: 4_000_000_000, microseconds: 0))
        #expect(early < Timestamp(seconds: -4_000_000_000, microseconds: 0))
        #expect(late.milliseconds(since: early) > 0)
        #expect(Timestamp(seconds: 1_764_037_885, microseconds: 869_205).microseconds == 1_764_037_885_869_205)
    }
}

/// Feeds `payload` to a new framer in pieces of `sizes` (repeating), like the fuzz target's
/// chunk plan, then finishes it.
private func frame(_ payload: [UInt8], sizes: [Int], limits: FramerLimits = .default,
                   content: XMLFramer.Content = .full) -> [FramerEvent] {
    let framer = XMLFramer(limits: limits, content: content)
    var events: [FramerEvent] = []
    var start = 0, next = 0
    while start < payload.count {
        let size = sizes[next % sizes.count]
        let end = size >= payload.count - start ? payload.count : start + size
        framer.feed(payload[start..<end]) { events.append($0) }
        start = end
        next += 1
    }
    framer.finish { events.append($0) }
    return events
}
