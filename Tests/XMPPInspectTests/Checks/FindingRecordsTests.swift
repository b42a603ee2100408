import Foundation
import Testing
import XMPPBase
import XMPPCapture
import XMPPCore
@testable import XMPPInspect

/// Findings as records: filters, the log round trip, a log checked again, the summary and stats.
@Suite struct FindingRecordsTests {
    /// A bound session with two iqs without an id (two findings) and one with.
    private var stream: [(Direction?, String)] {
        CheckStream.boundSession() + [
            (.c2s, "<iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.c2s, "<iq type='get' id='fine'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.c2s, "<iq type='set'><query xmlns='jabber:iq:roster'/></iq>"),
        ] + CheckStream.politeEnd
    }

    @Test func filtersSelectFindingsAndTheRecordsTheyAreAbout() throws {
        let records = try CheckStream.records(stream, checks: "iq-missing-id")
        let findings = records.filter { $0.event == .finding }
        #expect(findings.count == 2)
        let flag = try RecordFilter("finding")
        let selected = records.filter(flag.matches)
        // Each finding and the iq it is about: 2 + 2.
        #expect(selected.count == 4)
        #expect(selected.filter { $0.event == .stanza }.map(\.type) == ["get", "set"])
        #expect(records.filter(try RecordFilter("finding.id == \"iq-missing-id\"").matches).count == 4)
        #expect(records.filter(try RecordFilter("finding.severity == error").matches).count == 4)
        #expect(records.filter(try RecordFilter("finding.severity == warning").matches).isEmpty)
        #expect(records.filter(try RecordFilter("finding.id == \"iq-id-reused\"").matches).isEmpty)
    }

    @Test func offMeansNoFindingsAndNothingElseChanges() throws {
        let on = try CheckStream.records(stream, checks: "iq-missing-id")
        let off = inspectText(stream, options: InspectorOptions(keepsElements: false, checks: nil))
        #expect(off.allSatisfy { $0.event != .finding && $0.findingIDs.isEmpty })
        #expect(on.filter { $0.event != .finding }.map(\.seq) == off.map(\.seq))
    }

    @Test func aLogReadBackAndCheckedAgainGivesTheSameFindings() throws {
        let records = try CheckStream.records(stream)
        var log: [UInt8] = []
        for record in records {
            JSONLinesWriter.encode(record, into: &log)
            log.append(0x0A)
        }
        var lines = log.split(separator: 0x0A).map(Array.init)
        let decoded = try lines.indices.map { index in
            try lines[index].withUnsafeBufferPointer { try RecordDecoder.decode($0) }
        }
        #expect(decoded.filter { $0.event == .finding }.map(\.finding) == records.filter { $0.event == .finding }.map(\.finding))
        #expect(decoded.filter { $0.event == .finding }.map(\.about) == records.filter { $0.event == .finding }.map(\.about))
        // Checked again from the log alone (its own findings dropped): the same findings.
        let runner = CheckRunner()
        var again: [Record] = []
        for var record in decoded where record.event != .finding {
            record.findingIDs = []
            again += runner.check(&record)
        }
        again += runner.endAll()
        #expect(!again.isEmpty)
        #expect(again.map(\.finding) == records.filter { $0.event == .finding }.map(\.finding))
        #expect(again.map(\.seq) == records.filter { $0.event == .finding }.map(\.seq))
        lines.removeAll()
    }

    @Test func aRedactedRecordReadFromALogIsStillChecked() throws {
        // The PLAIN <auth> is redacted in the log; its mechanism is still there to check.
        let plain = CheckStream.boundSession().map { ($0.0, $0.1.replacingOccurrences(of: "mechanism='SCRAM-SHA-1'", with: "mechanism='PLAIN'")) }
        let records = try CheckStream.records(plain, checks: "sasl-plain-unencrypted")
        #expect(records.findingIDs == ["sasl-plain-unencrypted"])
        #expect(records.contains { $0.kind == "auth" && $0.redacted })
        let runner = CheckRunner(selection: try CheckSelection(parsing: "sasl-plain-unencrypted"))
        var again: [Record] = []
        for record in records where record.event != .finding {
            var line: [UInt8] = []
            JSONLinesWriter.encode(record, into: &line)
            var back = try line.withUnsafeBufferPointer { try RecordDecoder.decode($0) }
            back.findingIDs = []
            again += runner.check(&back)
        }
        #expect(again.map(\.finding) == records.filter { $0.event == .finding }.map(\.finding))
    }

    @Test func summaryAndStatsCountFindingsByCheck() throws {
        let records = try CheckStream.records(stream, checks: "iq-missing-id")
        let summary = SummaryReport(output: nil)
        let statistics = LatencyStatistics()
        for record in records {
            summary.consume(record)
            statistics.consume(record)
        }
        #expect(summary.totals[0]?.findings["iq-missing-id"]?.count == 2)
        #expect(statistics.findings["iq-missing-id"]?.count == 2)
        #expect(statistics.render().contains("findings by check: 2"))
        #expect(SummaryReport.findingsLine(summary.totals[0]!.findings) == "findings: 2 errors — iq-missing-id ×2 (error)")
    }

    @Test func aConnectionWhoseHandshakeTheCaptureMissedIsNotTakenAsSeenFromItsStart() {
        // The client never closes its stream, then both sides end the TCP connection: a finding
        // when the capture saw the connection open, none when it missed the handshake (the
        // header it saw first may be a restart, after a close it did not see).
        func findings(withHandshake: Bool) -> [String] {
            var records: [Record] = []
            let inspector = Inspector(options: InspectorOptions(keepsElements: false, checks: try! CheckSelection(parsing: "session-no-stream-close"))) {
                records.append($0)
            }
            let tracker = TCPConnectionTracker()
            let client = Endpoint(address: .v4(0x7F00_0001), port: 40000)
            let server = Endpoint(address: .v4(0x7F00_0001), port: 5222)
            var time: Int64 = 1_700_000_000_000_000
            func send(_ fromClient: Bool, _ sequence: UInt32, _ text: String, _ flags: TCPFlags, ack: UInt32) {
                time += 1000
                Array(text.utf8).withUnsafeBytes { bytes in
                    tracker.process(TCPSegment(packet: 0, timestamp: Timestamp(microseconds: time),
                                               source: fromClient ? client : server, destination: fromClient ? server : client,
                                               sequence: sequence, acknowledgement: ack, flags: flags, payload: bytes),
                                    delegate: inspector)
                }
            }
            let clientText = CheckStream.boundSession().filter { $0.0 == .c2s }.map(\.1).joined()
            let serverText = CheckStream.boundSession().filter { $0.0 == .s2c }.map(\.1).joined()
            if withHandshake {
                send(true, 999, "", [.syn], ack: 0)
                send(false, 4999, "", [.syn, .ack], ack: 1000)
            }
            send(true, 1000, clientText, [.ack, .psh], ack: 5000)
            send(false, 5000, serverText, [.ack, .psh], ack: 1000 + UInt32(clientText.utf8.count))
            send(true, 1000 + UInt32(clientText.utf8.count), "", [.fin, .ack], ack: 5000 + UInt32(serverText.utf8.count))
            send(false, 5000 + UInt32(serverText.utf8.count), "", [.fin, .ack], ack: 1001 + UInt32(clientText.utf8.count))
            tracker.finish(at: Timestamp(microseconds: time), delegate: inspector)
            inspector.finishAll(at: Timestamp(microseconds: time))
            #expect(records.filter { $0.event == .stanza }.count == 2)
            return records.findingIDs
        }
        #expect(findings(withHandshake: true) == ["session-no-stream-close"])
        #expect(findings(withHandshake: false) == [])
    }

    @Test func checksSeeingOnlyTheRecordsTheyAreInterestedInFindWhatTheyFindSeeingAll() throws {
        // Every capture, the misbehaving client's too: its records through the checks twice.
        var total = 0
        for capture in try CheckCaptures.all(includingMisbehaving: true) {
            let records = try Self.records(capture)
            func findings(byInterest: Bool) -> [Finding?] {
                let runner = CheckRunner(selection: .all, dispatchesByInterest: byInterest)
                var found: [Record] = []
                for var record in records { found += runner.check(&record) }
                return (found + runner.endAll()).map(\.finding)
            }
            let narrow = findings(byInterest: true)
            #expect(narrow == findings(byInterest: false), "\(capture.name)")
            total += narrow.count
        }
        #expect(total >= 40)
    }

    @Test func checksReadingTheFramersMarksFindWhatTheyFindSearchingTheBytes() throws {
        // Every capture's records, the misbehaving client's too, through the checks twice: with
        // each stanza framed again (under its stream's header) so the checks read the framer's
        // child name marks, and without (as from a log: the bytes are searched instead).
        var total = 0, framedCount = 0
        for capture in try CheckCaptures.all(includingMisbehaving: true) {
            let records = try Self.records(capture)
            let withMarks = CheckRunner(selection: .all), withoutMarks = CheckRunner(selection: .all)
            var found: (marks: [Record], bytes: [Record]) = ([], [])
            var headers: [String: [UInt8]] = [:]
            for record in records {
                let side = "\(record.connection) \(record.direction)"
                if record.event == .streamOpen, let bytes = record.xmlBytes { headers[side] = bytes }
                var framed: FramedElement?
                if record.event == .stanza, !record.unanswered, let header = headers[side], let bytes = record.xmlBytes {
                    let framer = XMLFramer(content: .topLevel)
                    framer.feed(header + bytes) { if case .element(let element) = $0 { framed = element } }
                    if framed != nil { framedCount += 1 }
                }
                var marked = record, searched = record
                found.marks += withMarks.check(&marked, framed: framed)
                found.bytes += withoutMarks.check(&searched)
            }
            let marks = (found.marks + withMarks.endAll()).map(\.finding)
            #expect(marks == (found.bytes + withoutMarks.endAll()).map(\.finding), "\(capture.name)")
            total += marks.count
        }
        #expect(total >= 40)
        #expect(framedCount >= 400)
    }

    /// A capture's records as replayed without checks (the tests run the checks themselves).
    static func records(_ capture: (name: String, path: String, keyLogs: [String])) throws -> [Record] {
        try replayRecords(capture.path, options: InspectorOptions(keepsElements: false, checks: nil), keyLogs: capture.keyLogs)
    }

    @Test func byteSearchesFindEveryOccurrenceUpToTheEnd() {
        let array = Array("<body>a</body><body>b</body><bod".utf8)
        array.withUnsafeBufferPointer { bytes in
            #expect(bytes.firstOffset(of: "<body") == 0)
            #expect(bytes.firstOffset(of: "<body", from: 1) == 14)
            #expect(bytes.firstOffset(of: "<bod", from: 15) == 28)
            #expect(bytes.firstOffset(of: "<body", from: 15) == nil)
            #expect(bytes.countBytes("<body", upTo: 5) == 2)
            #expect(bytes.countBytes("<body", upTo: 1) == 1)
            #expect(bytes.countBytes("</body>", upTo: 5) == 2)
            #expect(bytes.countBytes("b", upTo: 99) == 6)
            #expect(!bytes.containsBytes("<thread"))
        }
        #expect(UnsafeBufferPointer<UInt8>(start: nil, count: 0).firstOffset(of: "x") == nil)
    }

    @Test func selectionParsesIncludesAndExcludesAndNamesTheClosestUnknownID() throws {
        #expect(try CheckSelection(parsing: "iq-missing-id").ids == ["iq-missing-id"])
        #expect(try CheckSelection(parsing: "-iq-missing-id").ids == CheckSelection.all.ids.subtracting(["iq-missing-id"]))
        #expect(throws: CheckSelectionError.unknown(id: "iq-mising-id", suggestion: "iq-missing-id")) {
            try CheckSelection(parsing: "iq-mising-id")
        }
        #expect(throws: CheckSelectionError.empty) { try CheckSelection(parsing: " , ") }
    }

    @Test func everyCheckHasAUniqueWellFormedIDASpecAndAHint() {
        let descriptors = CheckCatalog.descriptors
        #expect(Set(descriptors.map(\.id)).count == descriptors.count)
        for descriptor in descriptors {
            #expect(descriptor.id.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }, "\(descriptor.id)")
            #expect(descriptor.spec.hasPrefix("RFC ") || descriptor.spec.hasPrefix("XEP-"), "\(descriptor.id)")
            #expect(!descriptor.rule.isEmpty && !descriptor.hint.isEmpty, "\(descriptor.id)")
        }
    }
}
