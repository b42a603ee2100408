import Foundation
import Testing
import XMPPBase
@testable import XMPPInspect

@Suite struct IQChecksTests {
    @Test func iqWithoutIDIsAnError() throws {
        let stream = CheckStream.boundSession() + [(.c2s, "<iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>")]
        let records = try CheckStream.records(stream, checks: "iq-missing-id")
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["iq-missing-id"])
        let finding = try #require(findings.first)
        #expect(finding.finding?.severity == .error)
        // The finding follows the iq it is about, repeats its seq, and the iq names it.
        let iq = try #require(records.record(seq: finding.seq))
        #expect(iq.kind == "iq" && iq.id == nil)
        #expect(finding.about == [iq.seq])
        #expect(iq.findingIDs == ["iq-missing-id"])
        #expect(records.firstIndex { $0.event == .finding } == records.firstIndex { $0.seq == iq.seq && $0.event == .stanza }! + 1)
    }

    @Test func iqWithIDIsFine() throws {
        let stream = CheckStream.boundSession() + [(.c2s, "<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>")]
        #expect(try CheckStream.findings(stream, checks: "iq-missing-id").isEmpty)
    }

    // MARK: iq-invalid-type

    @Test func iqWithoutTypeOrWithAnUnknownOneIsAnError() throws {
        let stream = CheckStream.boundSession() + [
            (.c2s, "<iq id='t1'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.c2s, "<iq type='query' id='t2'><ping xmlns='urn:xmpp:ping'/></iq>"),
        ]
        let records = try CheckStream.records(stream, checks: "iq-invalid-type")
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["iq-invalid-type", "iq-invalid-type"])
        #expect(findings.allSatisfy { $0.finding?.severity == .error })
        let t1 = try #require(records.stanzas.first { $0.id == "t1" })
        let t2 = try #require(records.stanzas.first { $0.id == "t2" })
        #expect(findings.map(\.about) == [[t1.seq], [t2.seq]])
        #expect(findings[1].finding?.message.contains("type='query'") == true)
    }

    @Test func iqOfEachDefinedTypeIsFine() throws {
        let stream = CheckStream.boundSession() + [
            (.c2s, "<iq type='get' id='t1'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.s2c, "<iq type='result' id='t1'/>"),
            (.s2c, "<iq type='set' id='t2' from='example.com'><query xmlns='jabber:iq:roster'/></iq>"),
            (.c2s, "<iq type='error' id='t2' to='example.com'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"),
        ]
        #expect(try CheckStream.findings(stream, checks: "iq-invalid-type").isEmpty)
    }

    // MARK: iq-payload-count

    @Test func requestWithoutOneChildOrResultWithSeveralIsAnError() throws {
        let stream = CheckStream.boundSession() + [
            (.c2s, "<iq type='get' id='p0'/>"),
            (.c2s, "<iq type='set' id='p2'><query xmlns='jabber:iq:roster'/><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.s2c, "<iq type='result' id='p0'><query xmlns='jabber:iq:version'/><query xmlns='jabber:iq:last'/></iq>"),
        ]
        let records = try CheckStream.records(stream, checks: "iq-payload-count")
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["iq-payload-count", "iq-payload-count", "iq-payload-count"])
        #expect(findings.allSatisfy { $0.finding?.severity == .error })
        let seqs = records.stanzas.filter { $0.kind == "iq" && ["p0", "p2"].contains($0.id) }.map(\.seq)
        #expect(findings.map(\.about) == seqs.map { [$0] })
        #expect(findings[1].finding?.message.contains("<ping xmlns='urn:xmpp:ping'/>") == true)
    }

    @Test func requestWithOneChildAndResultWithNoneOrOneIsFine() throws {
        let stream = CheckStream.boundSession() + [
            (.c2s, "<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.s2c, "<iq type='result' id='p1'/>"),
            (.c2s, "<iq type='get' id='p2'><query xmlns='jabber:iq:roster'/></iq>"),
            (.s2c, "<iq type='result' id='p2'><query xmlns='jabber:iq:roster'/></iq>"),
        ]
        #expect(try CheckStream.findings(stream, checks: "iq-payload-count").isEmpty)
    }

    // MARK: iq-unmatched-response

    @Test func resultAnsweringNoRequestIsAWarning() throws {
        let stream = CheckStream.boundSession() + [
            (.c2s, "<iq type='get' id='m1'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.s2c, "<iq type='result' id='m1'/><iq type='result' id='m9'/>"),
        ]
        let records = try CheckStream.records(stream, checks: "iq-unmatched-response")
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["iq-unmatched-response"])
        #expect(findings.first?.finding?.severity == .warning)
        let m9 = try #require(records.stanzas.first { $0.id == "m9" })
        #expect(findings.first?.about == [m9.seq])
    }

    @Test func resultAnsweringARequestOrSeenMidStreamIsFine() throws {
        let answered = CheckStream.boundSession() + [
            (.c2s, "<iq type='get' id='m1'><ping xmlns='urn:xmpp:ping'/></iq><iq type='get' id='m9'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.s2c, "<iq type='result' id='m1'/><iq type='result' id='m9'/>"),
        ]
        #expect(try CheckStream.findings(answered, checks: "iq-unmatched-response").isEmpty)
        // Without the stream's start the request may predate the capture.
        let midStream: [(Direction?, String)] = [
            (.c2s, "<iq type='get' id='m1'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.s2c, "<iq type='result' id='m1'/><iq type='result' id='m9'/>"),
        ]
        #expect(try CheckStream.findings(midStream, checks: "iq-unmatched-response").isEmpty)
    }

    @Test func anErrorRefusingAnIQOfNoValidTypeAnswersIt() throws {
        // Prosody answers <iq type='fetch'> with bad-request: that error answers the iq, and only
        // the iq is at fault (iq-invalid-type). A result to it, or an error with another id, is not.
        let refused = CheckStream.boundSession() + [
            (.c2s, "<iq type='fetch' id='f1'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.s2c, "<iq type='error' id='f1'><error type='modify'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"),
        ]
        #expect(try CheckStream.findings(refused, checks: "iq-unmatched-response,iq-invalid-type").findingIDs == ["iq-invalid-type"])
        let otherID = CheckStream.boundSession() + [
            (.c2s, "<iq type='fetch' id='f1'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.s2c, "<iq type='error' id='f2'><error type='modify'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"),
        ]
        #expect(try CheckStream.findings(otherID, checks: "iq-unmatched-response").findingIDs == ["iq-unmatched-response"])
        let result = CheckStream.boundSession() + [
            (.c2s, "<iq type='fetch' id='f1'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.s2c, "<iq type='result' id='f1'/>"),
        ]
        #expect(try CheckStream.findings(result, checks: "iq-unmatched-response").findingIDs == ["iq-unmatched-response"])
    }

    @Test func resultOnAStreamNotSeenFromItsStartIsFine() throws {
        // The server's stanza comes before the client's stream header: the capture began mid-way.
        let stream: [(Direction?, String)] = [(.s2c, "<iq type='result' id='m0'/>")] + CheckStream.boundSession() + [
            (.s2c, "<iq type='result' id='m9'/>"),
        ]
        let records = try CheckStream.records(stream, checks: "iq-unmatched-response")
        #expect(records.stanzas.filter { $0.unmatchedResponse }.count == 2)
        #expect(records.filter { $0.event == .finding }.isEmpty)
    }

    @Test func resultAfterAStreamResumptionIsFine() throws {
        // XEP-0198: answers to the earlier connection's requests arrive on the resumed one.
        let stream = Array(CheckStream.boundSession().prefix(7)) + [
            (.c2s, "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>"),
            (.s2c, "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.com' id='s2' version='1.0'>"
                + "<stream:features><sm xmlns='urn:xmpp:sm:3'/></stream:features>"),
            (.c2s, "<resume xmlns='urn:xmpp:sm:3' previd='old' h='3'/>"),
            (.s2c, "<resumed xmlns='urn:xmpp:sm:3' previd='old' h='2'/><iq type='result' id='m9'/>"),
        ]
        let records = try CheckStream.records(stream, checks: "iq-unmatched-response")
        #expect(records.stanzas.filter { $0.unmatchedResponse }.count == 1)
        #expect(records.filter { $0.event == .finding }.isEmpty)
    }

    @Test func secondResponseIsADuplicateNotUnmatched() throws {
        let stream = CheckStream.boundSession() + [
            (.c2s, "<iq type='get' id='d1'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.s2c, "<iq type='result' id='d1'/><iq type='result' id='d1'/>"),
        ]
        #expect(try CheckStream.findings(stream, checks: "iq-unmatched-response,iq-duplicate-response").findingIDs
                == ["iq-duplicate-response"])
    }

    @Test("a second answer is not unmatched with iq-unmatched-response selected alone (the session keeps the answers for it)")
    func secondResponseIsNotUnmatchedAlone() throws {
        let stream = CheckStream.boundSession() + [
            (.c2s, "<iq type='get' id='d1'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.s2c, "<iq type='result' id='d1'/><iq type='result' id='d1'/>"),
        ]
        let records = try CheckStream.records(stream, checks: "iq-unmatched-response")
        #expect(records.stanzas.filter { $0.id == "d1" && $0.unmatchedResponse }.count == 1)
        #expect(records.filter { $0.event == .finding }.isEmpty)
    }

    @Test("an error the record stage paired with a get counts as its answer for both checks, though it may answer an iq of no valid type")
    func pairedErrorAfterAnInvalidTypeIsAnAnswer() throws {
        // The error may answer the 'fetch' or the get; the results after it answer nothing.
        // iq-unmatched-response leaves the first alone (the get may still wait, for all it knows)
        // and the second too: a second answer to the get is iq-duplicate-response's, which
        // reports both.
        let stream = CheckStream.boundSession() + [
            (.c2s, "<iq type='fetch' id='x1'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.c2s, "<iq type='get' id='x1'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.s2c, "<iq type='error' id='x1'><error type='cancel'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"),
            (.s2c, "<iq type='result' id='x1'/>"),
            (.s2c, "<iq type='result' id='x1'/>"),
        ]
        let records = try CheckStream.records(stream, checks: "iq-unmatched-response,iq-duplicate-response")
        let x1 = records.stanzas.filter { $0.id == "x1" }
        #expect(x1.count == 5)
        #expect(x1.map { $0.requestSeq != nil } == [false, false, true, false, false])
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["iq-duplicate-response", "iq-duplicate-response"])
        #expect(findings.map(\.seq) == [x1[3].seq, x1[4].seq])
        #expect(try CheckStream.findings(stream, checks: "iq-unmatched-response").isEmpty)
    }

    @Test("a session keeps the answered requests only when asked to")
    func sessionKeepsAnswersOnlyWhenAsked() {
        var kept: [Bool] = []
        for keeps in [false, true] {
            let session = CheckSession(connection: 1, directionsKnown: true, keepsAnsweredRequests: keeps, shared: SharedCheckState())
            var response = Record(seq: 9, timestamp: Timestamp(microseconds: 0), connection: 1, direction: .s2c, event: .stanza)
            response.kind = "iq"
            response.type = "result"
            response.id = "k1"
            response.requestSeq = 8
            let checked = CheckedRecord()
            checked.check(&response, framed: nil) { session.observe(checked) }
            kept.append(!session.answeredRequests.isEmpty)
        }
        #expect(kept == [false, true])
    }

    // MARK: iq-duplicate-response

    @Test func secondResponseToOneRequestIsAnError() throws {
        let stream = CheckStream.boundSession() + [
            (.c2s, "<iq type='get' id='d1' to='romeo@example.net/orchard'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.s2c, "<iq type='result' id='d1' from='romeo@example.net/orchard'/>"),
            (.s2c, "<iq type='error' id='d1' from='romeo@example.net/orchard'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"),
        ]
        let records = try CheckStream.records(stream, checks: "iq-duplicate-response")
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["iq-duplicate-response"])
        #expect(findings.first?.finding?.severity == .error)
        let seqs = records.stanzas.filter { $0.id == "d1" }.map(\.seq)
        #expect(findings.first?.about == seqs)
    }

    @Test func idUsedAgainAfterItsAnswerIsAnsweredAgainFine() throws {
        let stream = CheckStream.boundSession() + [
            (.c2s, "<iq type='get' id='d1' to='romeo@example.net/orchard'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.s2c, "<iq type='result' id='d1' from='romeo@example.net/orchard'/>"),
            (.c2s, "<iq type='get' id='d1' to='romeo@example.net/orchard'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.s2c, "<iq type='result' id='d1' from='romeo@example.net/orchard'/>"),
            // Another entity's result with that id answers nothing, but is no second answer.
            (.s2c, "<iq type='result' id='d1' from='mercutio@example.org/hall'/>"),
        ]
        #expect(try CheckStream.findings(stream, checks: "iq-duplicate-response").isEmpty)
    }

    // MARK: iq-id-reused

    @Test func idOfAWaitingRequestReusedIsAnError() throws {
        let stream = CheckStream.boundSession() + [
            (.c2s, "<iq type='get' id='r1' to='romeo@example.net/orchard'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.c2s, "<iq type='get' id='r1' to='example.com'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"),
            (.s2c, "<iq type='result' id='r1' from='romeo@example.net/orchard'/><iq type='result' id='r1' from='example.com'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"),
        ]
        let records = try CheckStream.records(stream, checks: "iq-id-reused")
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["iq-id-reused"])
        #expect(findings.first?.finding?.severity == .error)
        let requests = records.stanzas.filter { $0.id == "r1" && $0.type == "get" }.map(\.seq)
        #expect(findings.first?.about == requests)
    }

    @Test func idReusedAfterItsAnswerOrByAnotherSenderIsFine() throws {
        let stream = CheckStream.boundSession() + [
            (.c2s, "<iq type='get' id='r1' to='romeo@example.net/orchard'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.s2c, "<iq type='result' id='r1' from='romeo@example.net/orchard'/>"),
            (.c2s, "<iq type='get' id='r1' to='example.com'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"),
            // Two contacts picking the same id is no reuse: each chose its own.
            (.s2c, "<iq type='get' id='x' from='romeo@example.net/orchard'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.s2c, "<iq type='get' id='x' from='mercutio@example.org/hall'><ping xmlns='urn:xmpp:ping'/></iq>"),
        ]
        #expect(try CheckStream.findings(stream, checks: "iq-id-reused").isEmpty)
    }

    @Test func idUsedAgainBetweenServersIsFine() throws {
        // Server to server: the answer to the first ping came back on the other connection.
        let stream: [(Direction?, String)] = [
            (.c2s, "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' from='example.net' to='example.com' version='1.0'>"),
            (.s2c, "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' from='example.com' id='s1' version='1.0'><stream:features/>"),
            (.c2s, "<iq type='get' id='ping' from='romeo@example.net/orchard' to='juliet@example.com/balcony'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.c2s, "<iq type='get' id='ping' from='romeo@example.net/orchard' to='juliet@example.com/balcony'><ping xmlns='urn:xmpp:ping'/></iq>"),
        ]
        #expect(try CheckStream.findings(stream, checks: "iq-id-reused").isEmpty)
    }

    // MARK: iq-unanswered

    @Test func requestNeverAnsweredWhileTheOtherSideKeptSendingIsAWarning() throws {
        let stream = CheckStream.boundSession() + [
            (.s2c, "<iq type='get' id='u1' from='example.com'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.c2s, "<presence/>"),
        ]
        let records = try CheckStream.records(stream, checks: "iq-unanswered")
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["iq-unanswered"])
        let finding = try #require(findings.first)
        #expect(finding.finding?.severity == .warning)
        let request = try #require(records.stanzas.first { $0.id == "u1" })
        #expect(finding.about == [request.seq])
        // The client, which never answered, is at fault; the capture just ended.
        #expect(finding.direction == .c2s)
        #expect(finding.finding?.message.contains("by the end of the capture") == true)
    }

    @Test func requestAnsweredOrCutOffByTheCaptureIsFine() throws {
        let answered = CheckStream.boundSession() + [
            (.s2c, "<iq type='get' id='u1' from='example.com'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.c2s, "<iq type='result' id='u1' to='example.com'/><presence/>"),
        ]
        #expect(try CheckStream.findings(answered, checks: "iq-unanswered").isEmpty)
        // The capture ends before the client said anything more: it may have answered after.
        let cut = CheckStream.boundSession() + [
            (.c2s, "<presence/>"),
            (.s2c, "<iq type='get' id='u1' from='example.com'><ping xmlns='urn:xmpp:ping'/></iq>"),
        ]
        #expect(try CheckStream.findings(cut, checks: "iq-unanswered").isEmpty)
    }

    // MARK: real captures

    @Test func iqChecksOnEveryCapture() throws {
        let findings = try CheckCaptures.findings(checks: "iq-missing-id,iq-invalid-type,iq-payload-count,iq-unmatched-response,iq-duplicate-response,iq-id-reused,iq-unanswered")
        #expect(findings == [
            // A Cisco XCP component (c2s, opening with jabber:client) is asked disco#info by the
            // router (jsm-1.jabber) and never answers, though it answers the router's <xdb/>
            // queries a second later and the connection ends without a close: a real miss.
            "xmpptrace-wx2-component.pcap: iq-unanswered #319",
        ])
    }
}

/// Every capture the checks must stay quiet on: the repository's own (with their key logs) and the
/// public ones in ../shared/captures-public, read in place.
enum CheckCaptures {
    static let own = repositoryRoot.appendingPathComponent("captures")
    static let publicCaptures = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/captures-public")

    /// `(name, path, key logs)` of every capture; the misbehaving client's (which the checks must
    /// not stay quiet on) only when asked for.
    static func all(includingMisbehaving: Bool = false) throws -> [(name: String, path: String, keyLogs: [String])] {
        var captures: [(String, String, [String])] = []
        for directory in [own, publicCaptures] {
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0.hasSuffix(".pcap") && (includingMisbehaving || $0 != "c2s-misbehaving.pcap") }.sorted()
            for name in names {
                let path = directory.appendingPathComponent(name).path
                let keys = String(path.dropLast(".pcap".count)) + ".keys"
                captures.append((name, path, FileManager.default.fileExists(atPath: keys) ? [keys] : []))
            }
        }
        return captures
    }

    /// The findings of `checks` on every capture, as `name: id #seq` lines (about seqs joined by commas).
    static func findings(checks: String) throws -> [String] {
        var lines: [String] = []
        for capture in try all() {
            let records = try replayRecords(capture.path, options: InspectorOptions(keepsElements: false, checks: try CheckSelection(parsing: checks)),
                                            keyLogs: capture.keyLogs)
            for finding in records where finding.event == .finding {
                lines.append("\(capture.name): \(finding.finding?.id ?? "") #\(finding.about.map(String.init).joined(separator: ","))")
            }
        }
        return lines
    }
}
