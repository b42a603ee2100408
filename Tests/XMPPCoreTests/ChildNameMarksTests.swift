import Testing
@testable import XMPPCore

@Suite("Child name marks: the framer's note of a top element's children")
struct ChildNameMarksTests {
    static let header = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>"

    static func mark(_ name: String) -> UInt64 {
        ByteMark.of(name) ?? .max
    }

    /// The marks of each top element of `stanzas`, framed in chunks of `chunkSize` bytes, keeping
    /// the whole tree (`.full`) or its top only (`.topLevel`, as the record stage frames).
    static func marks(_ stanzas: String, chunkSize: Int = .max, content: XMLFramer.Content = .topLevel) -> [ChildNameMarks] {
        let framer = XMLFramer(content: content)
        let input = Array((header + stanzas).utf8)
        var marks: [ChildNameMarks] = []
        var index = 0
        while index < input.count {
            let end = min(input.count, index + chunkSize)
            framer.feed(input[index..<end]) { if case .element(let element) = $0 { marks.append(element.childNames) } }
            index = end
        }
        return marks
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

    @Test("a prefixed child is marked by its local name; each element starts afresh, after an error and a new stream too")
    func prefixedAndFresh() {
        let marks = Self.marks(
            "<message><c:body xmlns:c='jabber:client'>a</c:body></message><presence/><iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>"
                + "<message><body>b</body><thread>t</bodx></message><presence/>"
                + "</stream:stream>" + Self.header + "<message><thread>t</thread></message>"
        )
        #expect(marks.count == 5)
        #expect(marks.first?.present == Self.mark("body"))
        #expect(marks.dropFirst().first == ChildNameMarks())
        #expect(marks.dropFirst(2).first?.present == Self.mark("ping") && marks.dropFirst(2).first?.repeated == 0)
        // After the malformed message (not framed), and after a new stream, each starts afresh.
        #expect(marks.dropFirst(3).first == ChildNameMarks())
        #expect(marks.last?.present == Self.mark("thread"))
    }

    @Test("a name that is not ASCII rules nothing out")
    func notASCII() throws {
        let marks = try #require(Self.marks("<message><body>a</body><b\u{F6}dy/></message>").first)
        #expect(marks == .unknown)
        #expect(marks.mayHave("thread") && marks.mayHaveSeveral("body"))
    }

    @Test("the same marks whatever the splits, top only or whole trees")
    func splits() {
        let stanzas = "<message><body>a</body><body>b</body></message><presence><show>away</show><status>x</status></presence>"
        let whole = Self.marks(stanzas)
        #expect(whole.count == 2)
        #expect(whole.first?.repeated == Self.mark("body"))
        let total = (Self.header + stanzas).utf8.count
        for content in [XMLFramer.Content.topLevel, .full] {
            for chunkSize in 1...total {
                #expect(Self.marks(stanzas, chunkSize: chunkSize, content: content) == whole, "\(content), chunks of \(chunkSize)")
            }
        }
    }
}
