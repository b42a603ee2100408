import Foundation
import Testing
import XMPPCore
import XMPPInspect

/// Filters on the real captures, each checked against the same selection written out by hand.
@Suite("Filters on real captures")
struct FilterOnCapturesTests {
    static let plain = repositoryRoot.appendingPathComponent("captures/c2s-plain.pcap").path
    static let ndpi = publicCapture("ndpi-jabber.pcap")

    static func select(_ filter: String, _ records: [Record]) throws -> [Int] {
        let compiled = try RecordFilter(filter)
        return records.filter(compiled.matches).map(\.seq)
    }

    static func bodies(_ record: Record) -> [String] {
        guard record.event == .stanza, let element = record.element else { return [] }
        return element.elements.filter { $0.name == "body" }.map(\.text)
    }

    @Test("each filter selects what the hand-written check selects")
    func againstHandWritten() throws {
        for path in [Self.plain, Self.ndpi] {
            let records = try replayRecords(path)
            let cases: [(String, (Record) -> Bool)] = [
                ("iq and type == \"error\"", { $0.event == .stanza && $0.kind == "iq" && $0.type == "error" }),
                ("error.condition == \"item-not-found\"", { $0.error?.condition == "item-not-found" }),
                ("ns == disco#info", { $0.namespaces.contains("http://jabber.org/protocol/disco#info") }),
                ("ns == XEP-0030", { $0.namespaces.contains { $0.hasPrefix("http://jabber.org/protocol/disco#") } }),
                ("response and rtt > 1ms", { $0.isResponse && ($0.rttMilliseconds ?? 0) > 1 }),
                ("request and not dir == c2s", { $0.isRequest && !$0.unanswered && $0.direction == .s2c }),
                ("message and body contains \"o\"", { $0.event == .stanza && $0.kind == "message" && Self.bodies($0).contains { $0.contains("o") } }),
                ("presence and type in {subscribe subscribed}", { $0.kind == "presence" && $0.event == .stanza && ["subscribe", "subscribed"].contains($0.type ?? "") }),
                ("to.bare matches '^(alice|tom)@'", { ($0.to.map(JID.bare) ?? "").range(of: "^(alice|tom)@", options: .regularExpression) != nil }),
                ("size >= 300 and not iq", { $0.size >= 300 && !($0.event == .stanza && $0.kind == "iq") }),
                ("query/item@jid", { record in
                    record.element?.elements.filter { $0.name == "query" }.flatMap(\.elements).contains { $0.name == "item" && $0[attribute: "jid"] != nil } ?? false
                }),
                ("type != result", { $0.type != nil && $0.type != "result" }),
            ]
            for (filter, check) in cases {
                let expected = records.filter(check).map(\.seq)
                #expect(try Self.select(filter, records) == expected, "\(filter) on \(path)")
            }
            #expect(try Self.select("iq and type == \"error\"", records).count > 0)
        }
    }

    @Test("filtering in replay and grepping its log select the same records", arguments: [
        "iq and type == error", "message and body contains 'o'", "ns == roster", "query/item@jid contains 'xmppscope'",
        "error", "response and rtt > 0.5ms", "has(query/feature)", "stream", "from.domain == xmppscope.test",
        "@version == '1.0'", "@to == xmppscope.test and stream",
    ])
    func roundTrip(filter: String) throws {
        let compiled = try RecordFilter(filter)
        let live = try replayRecords(Self.plain).filter(compiled.matches)
        var log: [UInt8] = []
        for record in try replayRecords(Self.plain) {
            JSONLinesWriter.encode(record, into: &log)
            log.append(0x0A)
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("xmppscope-\(UUID().uuidString).jsonl").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(log))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var grepped: [Record] = []
        let engine = GrepEngine(filter: compiled) { grepped.append($0) }
        try RecordSource.read(path, each: engine.consume, badLine: { Issue.record("\($0)") })
        #expect(!live.isEmpty, "\(filter)")
        #expect(grepped.map(\.seq) == live.map(\.seq), "\(filter)")
    }

    @Test("a log read back writes the same bytes", arguments: TsharkCrossCheckTests.captures)
    func logRoundTrip(capture: String) throws {
        var original: [UInt8] = []
        for record in try replayRecords(capture) {
            JSONLinesWriter.encode(record, into: &original)
            original.append(0x0A)
        }
        var again: [UInt8] = []
        original.withUnsafeBufferPointer { buffer in
            for line in buffer.split(separator: 0x0A) {
                let record = try? UnsafeBufferPointer(rebasing: line).withMemoryRebound(to: UInt8.self) { try RecordDecoder.decode($0) }
                guard let record else { Issue.record("line did not decode"); return }
                JSONLinesWriter.encode(record, into: &again)
                again.append(0x0A)
            }
        }
        #expect(again == original)
    }
}

@Suite("grep prefilter")
struct PrefilterTests {
    @Test("skipping lines without the required literals never loses a match", arguments: [
        "iq and type == error", "iq and type == \"error\" and id == vcard-get-1", "message and dir == s2c",
        "error.condition == item-not-found", "unanswered", "nonza and kind == auth", "event == stream-open and to == xmppscope.test",
        "request and from == 'a\"b'", "gap", "presence and not type",
    ])
    func noMatchLost(filter: String) throws {
        let compiled = try RecordFilter(filter)
        for capture in [FilterOnCapturesTests.plain, FilterOnCapturesTests.ndpi] {
            var log: [UInt8] = []
            for record in try replayRecords(capture) {
                JSONLinesWriter.encode(record, into: &log)
                log.append(0x0A)
            }
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("xmppscope-\(UUID().uuidString).jsonl").path
            _ = FileManager.default.createFile(atPath: path, contents: Data(log))
            defer { try? FileManager.default.removeItem(atPath: path) }
            var all: [Int] = [], prefiltered: [Int] = []
            try RecordSource.read(path, each: { if compiled.matches($0) { all.append($0.seq) } }, badLine: { _ in })
            try RecordSource.read(path, prefilter: compiled.requiredLiterals,
                                  each: { if compiled.matches($0) { prefiltered.append($0.seq) } }, badLine: { _ in })
            #expect(prefiltered == all, "\(filter) on \(capture)")
        }
    }
}
