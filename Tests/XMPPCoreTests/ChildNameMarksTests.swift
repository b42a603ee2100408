import Testing
@testable import XMPPCore

@Suite("Child name marks: the framer's note of a top element's children")
struct ChildNameMarksTests {
    static let header = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>"

    static func mark(_ name: String) -> UInt64 {
        Array(name.utf8).withUnsafeBufferPointer { ChildNameMarks.mark($0) }
    }

    /// The marks of each top element of `stanzas`, framed in chunks of `chunkSize` bytes.
    static func marks(_ stanzas: String, chunkSize: Int = .max) -> [ChildNameMarks] {
        frame(header + stanzas, chunkSize: chunkSize).elements.map(\.childNames)
    }

    @Test("direct children are marked, once or several times; grandchildren are not")
    func directChildren() throws {
        // The names this test tells apart have marks of their own.
        let names = ["body", "thread", "x", "subject", "show"]
        #expect(Set(names.map(Self.mark)).count == names.count)
        let marks = try #require(Self.marks(
            "<message><body>a</body><thread>t</thread><body>b</body><x xmlns='urn:x'><subject>s</subject><show/></x></message>"
        ).first)
        #expect(marks.mayHave("body") && marks.mayHave("thread") && marks.mayHave("x"))
        #expect(!marks.mayHave("subject") && !marks.mayHave("show"))
        #expect(marks.mayHaveSeveral("body"))
        #expect(!marks.mayHaveSeveral("thread") && !marks.mayHaveSeveral("x") && !marks.mayHaveSeveral("subject"))
        #expect(marks.present == Self.mark("body") | Self.mark("thread") | Self.mark("x"))
        #expect(marks.repeated == Self.mark("body"))
    }

    @Test("a prefixed child is marked by its local name; each element starts afresh")
    func prefixedAndFresh() {
        let marks = Self.marks(
            "<message><c:body xmlns:c='jabber:client'>a</c:body></message><presence/><iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>"
        )
        #expect(marks.count == 3)
        #expect(marks.first?.present == Self.mark("body"))
        #expect(marks.dropFirst().first == ChildNameMarks())
        #expect(marks.last?.present == Self.mark("ping") && marks.last?.repeated == 0)
    }

    @Test("the same marks whatever the splits")
    func splits() {
        let stanzas = "<message><body>a</body><body>b</body></message><presence><show>away</show><status>x</status></presence>"
        let whole = Self.marks(stanzas)
        #expect(whole.count == 2)
        let total = (Self.header + stanzas).utf8.count
        for chunkSize in 1...total {
            #expect(Self.marks(stanzas, chunkSize: chunkSize) == whole, "chunks of \(chunkSize)")
        }
    }

    @Test("unknown marks rule nothing out")
    func unknown() {
        for name: StaticString in ["body", "thread", "a", "ping"] {
            #expect(ChildNameMarks.unknown.mayHave(name) && ChildNameMarks.unknown.mayHaveSeveral(name))
        }
        #expect(!ChildNameMarks().mayHave("body"))
    }
}
