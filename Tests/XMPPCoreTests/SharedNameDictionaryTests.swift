import Testing
@testable import XMPPCore

/// Framers that share one libxml2 name dictionary (the inspector's framing stage) must frame
/// exactly as framers with a dictionary each, however their feeds interleave, across stream
/// restarts, errors, and dictionaries replaced once full; each reuses its libxml2 context from
/// one document to the next while the dictionary is not replaced.
@Suite("Shared name dictionary")
struct SharedNameDictionaryTests {
    /// A stream for framer `index`: restarts, made-up names and namespaces (so dictionaries fill
    /// up), a refused construct and text that is not XML (so contexts end in errors too).
    private func stream(_ index: Int, generator: inout SplitMix) -> [UInt8] {
        var text = clientHeader
        for item in 0..<40 {
            let unique = "n\(index)x\(item)"
            switch generator.next() % 10 {
            case 0: text += "</stream:stream>" + clientHeader  // a restart: a new context
            case 1: text += "<\(unique) xmlns='urn:test:\(unique)' \(unique)='v'/>"
            case 2: text += "<iq type='get' id='\(unique)'><query xmlns='jabber:iq:roster'><item jid='a@b'/></query></iq>"
            case 3: text += "<message><body>&lt;&#233; \(unique)</body><x:\(unique) xmlns:x='urn:x:\(unique)'/></message>"
            case 4: text += "<presence><!-- a comment is refused --></presence>"
            case 5: text += "<message><body>broken</message>"
            default: text += "<presence id='p\(item)' from='a@b/\(unique)' xml:lang='en'><show>away</show></presence>"
            }
        }
        return Array(text.utf8)
    }

    /// Feeds every stream to its framer, round robin in `chunk`-byte pieces; returns each framer's events.
    private func frameInterleaved(_ streams: [[UInt8]], framers: [XMLFramer], chunk: Int) -> [[FramerEvent]] {
        var events = Array(repeating: [FramerEvent](), count: streams.count)
        var offsets = Array(repeating: 0, count: streams.count)
        var progressed = true
        while progressed {
            progressed = false
            for index in streams.indices where offsets[index] < streams[index].count {
                let end = min(streams[index].count, offsets[index] + chunk)
                framers[index].feed(streams[index][offsets[index]..<end]) { events[index].append($0) }
                offsets[index] = end
                progressed = true
            }
        }
        for index in framers.indices { framers[index].finish { events[index].append($0) } }
        return events
    }

    @Test("twenty framers on one dictionary give the events twenty framers with their own give, fed in turns of 1 to 97 bytes",
          arguments: [1, 7, 97])
    func sameEventsAsPrivateDictionaries(chunk: Int) {
        var generator = SplitMix(seed: UInt64(chunk))
        let streams = (0..<20).map { stream($0, generator: &generator) }
        let shared = SharedNameDictionary()
        let ownFramers = streams.map { _ in XMLFramer() }
        let sharingFramers = streams.map { _ in XMLFramer(nameDictionary: shared) }
        let alone = frameInterleaved(streams, framers: ownFramers, chunk: chunk)
        let together = frameInterleaved(streams, framers: sharingFramers, chunk: chunk)
        #expect(together == alone)
        #expect(alone.reduce(0) { $0 + $1.elements.count } > 400)
        #expect(alone.reduce(0) { $0 + $1.errors.count } > 20)
        #expect(shared.generation == 1)
        // Every restart and every error starts a context: with a dictionary of their own each is
        // made anew; on the shared one, while it is not full, each framer reuses its first.
        #expect(ownFramers.reduce(0) { $0 + $1.contextsMade } > 100)
        #expect(sharingFramers.map(\.contextsMade) == Array(repeating: 1, count: 20))
    }

    @Test("a full dictionary is replaced for the contexts that start next; the events stay the same")
    func replacedWhenFull() {
        var generator = SplitMix(seed: 99)
        let streams = (0..<20).map { stream($0, generator: &generator) }
        let shared = SharedNameDictionary(nameLimit: 64)
        let ownFramers = streams.map { _ in XMLFramer() }
        let sharingFramers = streams.map { _ in XMLFramer(nameDictionary: shared) }
        let alone = frameInterleaved(streams, framers: ownFramers, chunk: 13)
        let together = frameInterleaved(streams, framers: sharingFramers, chunk: 13)
        #expect(together == alone)
        #expect(shared.generation >= 3, "\(shared.generation) dictionaries for many made-up names")
        // A context on a replaced dictionary is not reused: new ones are made, fewer than alone.
        let made = sharingFramers.reduce(0) { $0 + $1.contextsMade }
        #expect(made > 20 && made < ownFramers.reduce(0) { $0 + $1.contextsMade }, "\(made) contexts made")
    }
}
