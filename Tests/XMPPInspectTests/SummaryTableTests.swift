import Testing
import XMPPBase
@testable import XMPPInspect

@Suite("Summary: the stanza table's columns")
struct SummaryTableTests {
    /// The report's lines for one connection's records, given as (event, kind, type, direction).
    private static func render(records: [(Record.Event, String?, String?, Direction)]) -> [String] {
        let report = SummaryReport(output: nil)
        for (seq, (event, kind, type, direction)) in records.enumerated() {
            var record = Record(seq: seq + 1, timestamp: Timestamp(microseconds: Int64(seq)), connection: 1,
                                direction: direction, event: event)
            record.kind = kind
            record.type = type
            report.consume(record)
        }
        report.connections = {
            [ConnectionDescription(id: 1, client: "a", server: "b", streamNamespace: "jabber:client", isXMPP: true,
                                   closeReason: nil, tlsStarted: false, joinedMidStream: false)]
        }
        return report.render().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// A connection whose stanzas are named `kinds` (kind, type, c2s count, s2c count).
    private static func render(_ kinds: [(String, String, Int, Int)]) -> [String] {
        render(records: kinds.flatMap { kind, type, c2s, s2c in
            Array(repeating: (Record.Event.stanza, kind, type, Direction.c2s), count: c2s)
                + Array(repeating: (.stanza, kind, type, .s2c), count: s2c)
        })
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

    @Test("rows by kind: stanzas and stream errors by name and type, nonzas by name; the total counts all but nonzas")
    func kindsAndTotal() {
        let records: [(Record.Event, String?, String?, Direction)] = [
            (.stanza, "iq", "get", .c2s), (.stanza, "iq", "get", .c2s),
            (.stanza, "message", "-", .c2s), (.stanza, "message", nil, .s2c),  // one row: both read "message -"
            (.nonza, "features", "ignored", .s2c),                             // a nonza's type is not its kind
            (.streamError, "error", nil, .s2c),
            (.stanza, "nonzaX", "get", .c2s),                                  // a stanza, whatever its name
        ]
        let lines = Self.render(records: records)
        // The table: from the line after its header to the iq line below it.
        let header = lines.firstIndex { $0.hasSuffix("c2s    s2c") } ?? lines.endIndex
        let rows = lines[min(header + 1, lines.endIndex)...].prefix { !$0.hasPrefix("    iq pairs") }
            .map { $0.split(separator: " ").joined(separator: " ") }
        #expect(rows == ["error - 0 1", "iq get 2 0", "message - 1 1", "nonza features 0 1", "nonzaX get 1 0"])
        #expect(lines.contains { $0.hasSuffix("; 6 stanzas") })
    }
}
