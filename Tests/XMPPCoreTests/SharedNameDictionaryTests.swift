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

    /// Documents that end with elements still open (a restart after SASL, a failure inside a
    /// stanza), then a document that must not see what the last one declared or detected.
    static let leftBehind: [(String, String, Bool)] = [
        // Label, stream, BOSH bodies read.
        ("a restart whose header does not bind the stream prefix",
         clientHeader + "<presence/>" + "<stream:stream xmlns='jabber:client' to='example.org'><presence/>", false),
        ("a restart whose header declares no default namespace",
         clientHeader + "<presence/>" + "<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><message><body>x</body></message>", false),
        ("a byte order mark before the next stream",
         clientHeader + "<presence/></stream:stream>\u{FEFF}" + clientHeader + "<presence/>", false),
        ("a byte order mark before the next BOSH body",
         "<body rid='1' xmlns='http://jabber.org/protocol/httpbind'><presence xmlns='jabber:client'/></body>"
             + "\u{FEFF}<body rid='2' xmlns='http://jabber.org/protocol/httpbind'><presence xmlns='jabber:client'/></body>", true),
        ("a prefix declared in a stanza that failed, used after it",
         clientHeader + "<message xmlns:foo='urn:foo'><body>broken</message><foo:x/><presence/>", false),
    ]

    @Test("a reused context carries nothing from the last document: what it declared, what it detected", arguments: [1, 5, 4096])
    func nothingLeftBehind(chunk: Int) {
        var compared = 0
        for (label, text, bodies) in Self.leftBehind {
            let stream = Array(text.utf8)
            // Both framers frame a first document, so that the sharing one's context is a reused one.
            let own = XMLFramer()
            let sharing = XMLFramer(nameDictionary: SharedNameDictionary())
            own.readsBOSHBodies = bodies
            sharing.readsBOSHBodies = bodies
            let warmUp = Array((bodies ? "<body rid='0' xmlns='http://jabber.org/protocol/httpbind'/>" : clientHeader + "<presence/></stream:stream>").utf8)
            var first: ([FramerEvent], [FramerEvent]) = ([], [])
            own.feed(warmUp[...]) { first.0.append($0) }
            sharing.feed(warmUp[...]) { first.1.append($0) }
            #expect(first.0 == first.1 && first.0.count >= 2, "\(label): the first document")
            let alone = frameInterleaved([stream], framers: [own], chunk: chunk)[0]
            let together = frameInterleaved([stream], framers: [sharing], chunk: chunk)[0]
            #expect(together == alone, "\(label), \(chunk)-byte feeds: \(together.count) events, \(alone.count) expected")
            #expect(sharing.contextsMade == 1, "\(label): \(sharing.contextsMade) contexts made")
            compared += 1
        }
        #expect(compared == Self.leftBehind.count)
    }
}
