import Testing
import XMPPBase
@testable import XMPPInspect

@Suite("StanzaTally: a connection's stanzas counted by kind, each way")
struct StanzaTallyTests {
    @Test("counts each kind each way, and labels them as the report does")
    func countsAndLabels() {
        var tally = StanzaTally()
        let get = StanzaKind(isNonza: false, name: "iq", type: "get")
        tally.add(get, .c2s)
        tally.add(get, .c2s)
        tally.add(StanzaKind(isNonza: false, name: "iq", type: "result"), .s2c)
        tally.add(StanzaKind(isNonza: false, name: "presence", type: nil), .s2c)
        tally.add(StanzaKind(isNonza: true, name: "features", type: "ignored"), .s2c)
        #expect(tally[get] == DirectionCounts(c2s: 2, s2c: 0))
        #expect(tally.rows.map(\.label) == ["iq get", "iq result", "nonza features", "presence -"])
        #expect(tally.rows.map(\.counts.total) == [2, 1, 1, 1])
        #expect(tally.stanzaCount == 4)
    }

    @Test("kinds that read the same are one row: a type written '-' and no type")
    func sameLabelOneRow() {
        var tally = StanzaTally()
        tally.add(StanzaKind(isNonza: false, name: "message", type: "-"), .c2s)
        tally.add(StanzaKind(isNonza: false, name: "message", type: nil), .s2c)
        #expect(tally.rows.count == 1)
        #expect(tally.rows.first?.counts == DirectionCounts(c2s: 1, s2c: 1))
    }

    @Test("past the list's limit, kinds still count, each one once")
    func manyKinds() {
        var tally = StanzaTally()
        let kinds = (0..<(StanzaTally.listLimit * 3)).map { StanzaKind(isNonza: false, name: "iq", type: "t\($0)") }
        for (index, kind) in kinds.enumerated() {
            for _ in 0...index % 3 { tally.add(kind, index % 2 == 0 ? .c2s : .s2c) }
        }
        #expect(tally.rows.count == kinds.count)
        for (index, kind) in kinds.enumerated() {
            let expected = index % 3 + 1
            #expect(tally[kind] == (index % 2 == 0 ? DirectionCounts(c2s: expected) : DirectionCounts(s2c: expected)))
        }
        #expect(tally.stanzaCount == kinds.indices.reduce(0) { $0 + $1 % 3 + 1 })
    }

    @Test("a kind in the list and one past it that read the same are still one row")
    func sameLabelAcrossTheLimit() {
        var tally = StanzaTally()
        tally.add(StanzaKind(isNonza: false, name: "message", type: nil), .c2s)
        for index in 1..<StanzaTally.listLimit { tally.add(StanzaKind(isNonza: false, name: "iq", type: "t\(index)"), .c2s) }
        tally.add(StanzaKind(isNonza: false, name: "message", type: "-"), .s2c)  // past the limit
        let rows = tally.rows
        #expect(rows.count == StanzaTally.listLimit)
        #expect(rows.filter { $0.label == "message -" }.map(\.counts) == [DirectionCounts(c2s: 1, s2c: 1)])
    }
}
