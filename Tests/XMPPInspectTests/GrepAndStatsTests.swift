import Foundation
import Testing
import XMPPCapture
import XMPPCore
@testable import XMPPInspect
import XMPPBase

/// A small session with known timing, fed as TCP segments: five pings answered after 1, 2, 3, 4
/// and 100 ms, a roster get answered after 10 ms, two disco#info requests answered with
/// item-not-found after 5 ms, one version request never answered.
private func knownSession() -> [Record] {
    var records: [Record] = []
    let inspector = Inspector { records.append($0) }
    let tracker = TCPConnectionTracker()
    let client = Endpoint(address: .v4(1), port: 40000), server = Endpoint(address: .v4(2), port: 5222)
    var sequence: [Bool: UInt32] = [true: 1, false: 1]
    func send(_ fromClient: Bool, _ text: String, at milliseconds: Int64) {
        Array(text.utf8).withUnsafeBytes { bytes in
            tracker.process(TCPSegment(packet: 0, timestamp: Timestamp(microseconds: milliseconds * 1000),
                                       source: fromClient ? client : server, destination: fromClient ? server : client,
                                       sequence: sequence[fromClient]!, acknowledgement: 0, flags: [.psh], payload: bytes),
                            delegate: inspector)
        }
        sequence[fromClient]! &+= UInt32(text.utf8.count)
    }
    let open = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
    send(true, open, at: 0)
    send(false, open, at: 1)
    var now: Int64 = 10
    for (index, rtt) in [1, 2, 3, 4, 100].enumerated() {
        send(true, "<iq type='get' id='p\(index)'><ping xmlns='urn:xmpp:ping'/></iq>", at: now)
        send(false, "<iq type='result' id='p\(index)'/>", at: now + Int64(rtt))
        now += 200
    }
    send(true, "<iq type='get' id='r'><query xmlns='jabber:iq:roster'/></iq>", at: now)
    send(false, "<iq type='result' id='r'><query xmlns='jabber:iq:roster'><item jid='b@x'/></query></iq>", at: now + 10)
    for id in ["d1", "d2"] {
        now += 100
        send(true, "<iq type='get' id='\(id)'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", at: now)
        send(false, "<iq type='error' id='\(id)'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>", at: now + 5)
    }
    send(true, "<iq type='get' id='v'><query xmlns='jabber:iq:version'/></iq>", at: now + 300)
    send(true, "<message type='chat' id='m'><body>hi there</body></message>", at: now + 400)
    tracker.finish(at: Timestamp(microseconds: 0), delegate: inspector)
    inspector.finishAll(at: Timestamp(microseconds: 0))
    return records
}

@Suite("stats and grep")
struct GrepAndStatsTests {
    @Test("stats: the figures worked out by hand")
    func statsByHand() {
        let statistics = LatencyStatistics()
        knownSession().forEach(statistics.consume)
        // Nearest rank over [1, 2, 3, 4, 100]: p50 = 3rd = 3, p95 = p99 = 5th = 100.
        let pings = statistics.latencies["urn:xmpp:ping"]!.sorted()
        #expect(pings == [1, 2, 3, 4, 100])
        #expect(SummaryReport.percentile(pings, 50) == 3)
        #expect(SummaryReport.percentile(pings, 95) == 100)
        #expect(SummaryReport.percentile(pings, 99) == 100)
        #expect(statistics.latencies["jabber:iq:roster"] == [10])
        // The error responses carry no disco payload: their latency goes to the request's namespace.
        #expect(statistics.latencies["http://jabber.org/protocol/disco#info"] == [5, 5])
        #expect(statistics.errors == ["stanza item-not-found": 2])
        #expect(statistics.unanswered == ["jabber:iq:version": 1])
        #expect(statistics.stanzas["iq get"] == [9, 0])
        #expect(statistics.stanzas["iq result"] == [0, 6])
        #expect(statistics.stanzas["message chat"] == [1, 0])
        let report = statistics.render()
        let pingRow = report.split(separator: "\n").first { $0.contains("ping (XEP-0199)") }
        #expect(pingRow?.split(separator: " ").suffix(5) == ["5", "3.00", "100.00", "100.00", "100.00"])
        #expect(report.contains("unanswered requests: 1"))
    }

    func grep(_ filter: String, _ options: GrepEngine.Options = .init()) throws -> [String] {
        var out: [String] = []
        let engine = GrepEngine(filter: try RecordFilter(filter), options: options) { record in
            out.append((record.unanswered ? "unanswered " : "") + (record.id ?? record.event.rawValue))
        }
        knownSession().forEach(engine.consume)
        return out
    }

    @Test("grep: matches, context before and after, partners")
    func grepOptions() throws {
        #expect(try grep("response and rtt > 50ms") == ["p4"])
        #expect(try grep("response and rtt > 50ms", .init(withRequest: true)) == ["p4", "p4"])
        #expect(try grep("iq and id == p4 and request", .init(withResponse: true)) == ["p4", "p4"])
        #expect(try grep("message", .init(before: 2)) == ["d2", "v", "m"])
        #expect(try grep("id == d1 and request", .init(after: 1)) == ["d1", "d1"])
        #expect(try grep("unanswered") == ["unanswered v"])
        #expect(try grep("error.condition == item-not-found", .init(withRequest: true)) == ["d1", "d1", "d2", "d2"])
    }

    @Test("grep: matches counted; -B does not repeat what was already shown")
    func grepCounts() throws {
        var shown: [Int] = []
        let engine = GrepEngine(filter: try RecordFilter("iq"), options: .init(before: 5)) { shown.append($0.seq) }
        knownSession().forEach(engine.consume)
        #expect(engine.matches == 18)
        #expect(Set(shown).count == shown.count - 1)  // only v's follow-up repeats its seq
    }

    @Test("logs: gzip and plain read alike; a bad line is reported with file:line and skipped")
    func logsAndBadLines() throws {
        var plain: [UInt8] = Array("{\"broken\n".utf8)
        for record in knownSession() {
            JSONLinesWriter.encode(record, into: &plain)
            plain.append(0x0A)
        }
        plain += Array("{\"v\":2,\"seq\":1}\n".utf8)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("xmppscope-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("log.jsonl").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(plain))
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gzip.arguments = ["gzip", "-k", path]
        try gzip.run()
        gzip.waitUntilExit()
        for file in [path, path + ".gz"] {
            var records = 0
            var bad: [RecordSource.BadLine] = []
            try RecordSource.read(file, each: { _ in records += 1 }, badLine: { bad.append($0) })
            #expect(records == knownSession().count)
            #expect(bad.map(\.line) == [1, knownSession().count + 2])
            #expect(bad.first?.description.hasPrefix("\(file):1: skipped, not JSON") == true)
            #expect(bad.last?.reason == "format version 2; this xmppscope reads version 1")
        }
    }

    @Test("named filters: every shipped one parses; lookup by name; a later folder wins")
    func namedFilters() throws {
        let shipped = repositoryRoot.appendingPathComponent("filters").path
        let names = ["errors", "slow-iq", "unanswered", "stream-errors", "sasl", "roster", "disco", "mam", "presence-changes", "chat-messages"]
        let all = NamedFilters.all(extra: shipped)
        for name in names {
            let filter = try #require(all.first { $0.name == name }, "\(name) missing")
            #expect(!filter.description.isEmpty)
            _ = try RecordFilter(filter.expression)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("xmppscope-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = FileManager.default.createFile(atPath: folder.appendingPathComponent("errors.filter").path,
                                       contents: Data("# only stanza errors\niq and\n  type == error\n".utf8))
        let overridden = try NamedFilters.resolve("@errors", extra: folder.path)
        #expect(overridden.source == "iq and type == error")
        #expect(throws: FilterError.self) { try NamedFilters.resolve("@no-such-filter", extra: folder.path) }
        #expect(try grep("message and body contains 'there'") == ["m"])
    }
}

@Suite("Byte search")
struct ByteSearchTests {
    @Test("Horspool agrees with a naive search on random bytes")
    func agreesWithNaive() {
        var random = SplitMix64(seed: 42)
        for _ in 0..<2000 {
            let haystack = (0..<Int(random.next() % 200)).map { _ in UInt8(random.next() % 4) + 0x61 }
            let needle = (0..<Int(random.next() % 6 + 1)).map { _ in UInt8(random.next() % 4) + 0x61 }
            let naive = haystack.count >= needle.count
                && (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<($0 + needle.count)]) == needle }
            let found = haystack.withUnsafeBufferPointer { ByteSearch(needle).occurs(in: $0) }
            #expect(found == naive, "\(needle) in \(haystack)")
        }
    }
}

struct SplitMix64: RandomNumberGenerator {
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
