import Testing
import XMPPBase
@testable import XMPPInspect

@Suite("Summary: the stanza table's columns")
struct SummaryTableTests {
    /// A connection whose stanzas are named `kinds` (kind, type, c2s count, s2c count).
    private static func render(_ kinds: [(String, String, Int, Int)]) -> [String] {
        let report = SummaryReport(output: nil)
        var seq = 0
        for (kind, type, c2s, s2c) in kinds {
            for (direction, count) in [(Direction.c2s, c2s), (.s2c, s2c)] {
                for _ in 0..<count {
                    seq += 1
                    var record = Record(seq: seq, timestamp: Timestamp(microseconds: Int64(seq)), connection: 1,
                                        direction: direction, event: .stanza)
                    record.kind = kind
                    record.type = type
                    report.consume(record)
                }
            }
        }
        report.connections = {
            [ConnectionDescription(id: 1, client: "a", server: "b", streamNamespace: "jabber:client", isXMPP: true,
                                   closeReason: nil, tlsStarted: false, joinedMidStream: false)]
        }
        return report.render().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    @Test("rows are padded to the widest key by characters (not bytes), counts right-aligned in six columns")
    func columns() {
        let kinds = [("iq", "get", 12, 3), ("message", "groupchat", 1, 0), ("présence", "ünavailable", 0, 123_456),
                     ("x", "-", 7, 2)]
        let lines = Self.render(kinds)
        let keys = kinds.map { "\($0.0) \($0.1)" }
        let width = keys.map(\.count).max()!
        // The table as the summary wrote it before its rows were built in one piece (the
        // `padding` and `leftPadding` helpers), sorted by key.
        let expected = ["    " + "".padding(width) + "     c2s    s2c"] + zip(keys, kinds).sorted { $0.0 < $1.0 }.map { key, kind in
            "    " + key.padding(width) + "  " + String(kind.2).leftPadding(6) + " " + String(kind.3).leftPadding(6)
        }
        #expect(lines.count > 1 + expected.count)
        #expect(Array(lines[1...expected.count]) == expected)
        // The non-ASCII key is two bytes longer than it is wide: padded by characters, every row
        // is as wide as the header in characters.
        #expect(Set(lines[1...expected.count].map(\.count)).count == 1)
    }
}
