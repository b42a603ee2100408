import Foundation
import Testing
import XMPPBase
import XMPPCapture
import XMPPCore
@testable import XMPPInspect

/// XEP-0198 checks: acknowledgement counts, unanswered requests, resumption counts.
@Suite struct StreamManagementChecksTests {
    static let ids = "sm-ack-wrong-h,sm-request-unanswered,sm-resume-wrong-h,sm-resumed-wrong-h"
    static let sm = "xmlns='urn:xmpp:sm:3'"

    /// A bound client session with stream management enabled (resumable as 'sm1').
    static func managedSession() -> [(Direction?, String)] {
        CheckStream.boundSession(features: "<sm \(sm)/>") + [
            (.c2s, "<enable \(sm) resume='true'/>"),
            (.s2c, "<enabled \(sm) id='sm1' resume='true'/>"),
        ]
    }

    static func message(_ id: String, to: String = "romeo@example.net") -> String {
        "<message type='chat' id='\(id)' to='\(to)'><body>hi</body></message>"
    }

    /// The client sends two messages and asks for an acknowledgement.
    static let twoMessagesAndRequest: [(Direction?, String)] = [
        (.c2s, message("m1") + message("m2")),
        (.c2s, "<r \(sm)/>"),
    ]

    /// The seq of the first record of `kind` (not a finding), the `nth` one when several.
    static func seq(_ records: [Record], _ kind: String, _ nth: Int = 0) throws -> Int {
        let matching = records.filter { $0.kind == kind && $0.event != .finding }
        try #require(matching.count > nth)
        return matching[nth].seq
    }

    // MARK: sm-ack-wrong-h

    @Test func ackAboveWhatWasSentIsAnError() throws {
        let stream = Self.managedSession() + Self.twoMessagesAndRequest + [(.s2c, "<a \(Self.sm) h='3'/>")] + CheckStream.politeEnd
        let records = try CheckStream.records(stream, checks: Self.ids)
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["sm-ack-wrong-h"])
        let finding = try #require(findings.first)
        #expect(finding.finding?.severity == .error)
        #expect(finding.about == [try Self.seq(records, "a")])
        #expect(finding.finding?.message.contains("acknowledges 3 stanzas, but the client has sent only 2") == true)
        #expect(finding.direction == .s2c)
    }

    @Test func ackOfWhatWasSentIsFine() throws {
        let stream = Self.managedSession() + Self.twoMessagesAndRequest + [(.s2c, "<a \(Self.sm) h='2'/>")] + CheckStream.politeEnd
        #expect(try CheckStream.findings(stream, checks: Self.ids).isEmpty)
    }

    @Test func ackGoingBackIsAnError() throws {
        let stream = Self.managedSession() + Self.twoMessagesAndRequest + [
            (.s2c, "<a \(Self.sm) h='2'/>"),
            (.c2s, "<r \(Self.sm)/>"),
            (.s2c, "<a \(Self.sm) h='1'/>"),
        ] + CheckStream.politeEnd
        let records = try CheckStream.records(stream, checks: Self.ids)
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["sm-ack-wrong-h"])
        #expect(findings.first?.finding?.severity == .error)
        #expect(findings.first?.about == [try Self.seq(records, "a", 0), try Self.seq(records, "a", 1)])
        #expect(findings.first?.finding?.message.contains("goes back") == true)
    }

    @Test func ackRepeatedIsFine() throws {
        let stream = Self.managedSession() + Self.twoMessagesAndRequest + [
            (.s2c, "<a \(Self.sm) h='2'/>"),
            (.c2s, "<r \(Self.sm)/>"),
            (.s2c, "<a \(Self.sm) h='2'/>"),
        ] + CheckStream.politeEnd
        #expect(try CheckStream.findings(stream, checks: Self.ids).isEmpty)
    }

    @Test func twoAnswersShortOfTheRequestAreAnError() throws {
        let stream = Self.managedSession() + Self.twoMessagesAndRequest + [
            (.s2c, "<a \(Self.sm) h='1'/>"),
            (.s2c, "<a \(Self.sm) h='1'/>"),
        ] + CheckStream.politeEnd
        let records = try CheckStream.records(stream, checks: Self.ids)
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["sm-ack-wrong-h"])
        #expect(findings.first?.finding?.severity == .error)
        #expect(findings.first?.about == [try Self.seq(records, "r"), try Self.seq(records, "a", 0), try Self.seq(records, "a", 1)])
    }

    @Test func shortAnswerNeverCorrectedIsAnErrorAtTheClose() throws {
        // The server acknowledges 1 of the 2 stanzas sent before <r/>, sends on, and closes.
        let stream = Self.managedSession() + Self.twoMessagesAndRequest + [
            (.s2c, "<a \(Self.sm) h='1'/>"),
            (.s2c, Self.message("s1", to: CheckStream.fullJID)),
        ] + CheckStream.politeEnd
        let records = try CheckStream.records(stream, checks: Self.ids)
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["sm-ack-wrong-h"])
        #expect(findings.first?.about == [try Self.seq(records, "r"), try Self.seq(records, "a")])
        #expect(findings.first?.direction == .s2c)
    }

    @Test func unrequestedAckCrossingTheRequestIsFine() throws {
        // An <a h='1'/> the server sent before it read the <r/>, then its real answer.
        let stream = Self.managedSession() + Self.twoMessagesAndRequest + [
            (.s2c, "<a \(Self.sm) h='1'/>"),
            (.s2c, Self.message("s1", to: CheckStream.fullJID)),
            (.s2c, "<a \(Self.sm) h='2'/>"),
        ] + CheckStream.politeEnd
        #expect(try CheckStream.findings(stream, checks: Self.ids).isEmpty)
    }

    @Test func shortAnswerFollowedOnlyByTheCloseIsNotJudged() throws {
        // The server's last <a/> may have crossed the <r/> as it closed: nothing proves it read it.
        let stream = Self.managedSession() + Self.twoMessagesAndRequest + [(.s2c, "<a \(Self.sm) h='1'/>")] + CheckStream.politeEnd
        #expect(try CheckStream.findings(stream, checks: Self.ids).isEmpty)
    }

    @Test func countsAfterUnreadableBytesAreNotJudged() throws {
        // A stanza too large for the framer is not counted, but the server did count it.
        let big = "<message type='chat' id='big' to='romeo@example.net'><body>" + String(repeating: "x", count: 400) + "</body></message>"
        let stream = Self.managedSession() + [(.c2s, Self.message("m1") + big + "<r \(Self.sm)/>"), (.s2c, "<a \(Self.sm) h='2'/>")] + CheckStream.politeEnd
        let records = inspectText(stream, options: InspectorOptions(limits: FramerLimits(maxStanzaBytes: 300, maxDepth: 64), keepsElements: false,
                                                                     checks: try CheckSelection(parsing: Self.ids)))
        #expect(records.contains { $0.event == .parseError && $0.direction == .c2s })
        #expect(records.findingIDs == [])
    }

    @Test func ackBeforeStreamManagementIsIgnored() throws {
        // No <enable/>: nothing is counted, so nothing is judged.
        let stream = CheckStream.boundSession() + [(.c2s, Self.message("m1")), (.s2c, "<a \(Self.sm) h='5'/>")] + CheckStream.politeEnd
        #expect(try CheckStream.findings(stream, checks: Self.ids).isEmpty)
    }

    /// A stream resumed at h = 2^32 - 1 (the old stream not in the input): counts wrap to 0.
    static func resumedNearWrap(serverAck: Int) -> [(Direction?, String)] {
        let open = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>"
        return [
            (.c2s, "<?xml version='1.0'?>" + open),
            (.s2c, "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.com' id='s1' version='1.0'>"
                + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"),
            (.c2s, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGp1bGlldABwYXNz</auth>"),
            (.s2c, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"),
            (.c2s, open),
            (.s2c, "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.com' id='s2' version='1.0'>"
                + "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm \(sm)/></stream:features>"),
            (.c2s, "<resume \(sm) previd='elsewhere' h='7'/>"),
            (.s2c, "<resumed \(sm) previd='elsewhere' h='4294967295'/>"),
            (.c2s, message("m1") + message("m2") + "<r \(sm)/>"),
            (.s2c, "<a \(sm) h='\(serverAck)'/>"),
        ] + CheckStream.politeEnd
    }

    @Test func countsWrapAt2To32() throws {
        #expect(try CheckStream.findings(Self.resumedNearWrap(serverAck: 1), checks: Self.ids).isEmpty)
        let findings = try CheckStream.findings(Self.resumedNearWrap(serverAck: 2), checks: Self.ids)
        #expect(findings.findingIDs == ["sm-ack-wrong-h"])
        #expect(findings.first?.finding?.message.contains("acknowledges 2 stanzas, but the client has sent only 1") == true)
        #expect(StreamManagementCounters.isAtMost(4_294_967_295, 0))
        #expect(!StreamManagementCounters.isAtMost(0, 4_294_967_295))
    }

    /// SASL2 (XEP-0388) with `<resume h='5'/>` inline and `<resumed/>` in `<success/>`; then the
    /// server sends one message and the client acknowledges `clientAck`.
    static func sasl2Resumption(clientAck: Int) -> [(Direction?, String)] {
        [
            (.c2s, "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>"),
            (.s2c, "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.com' id='s1' version='1.0'>"
                + "<stream:features><authentication xmlns='urn:xmpp:sasl:2'><mechanism>PLAIN</mechanism><inline><sm \(sm)/></inline></authentication></stream:features>"),
            (.c2s, "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='PLAIN'><initial-response>AGp1bGlldABwYXNz</initial-response>"
                + "<resume \(sm) previd='old' h='5'/></authenticate>"),
            (.s2c, "<success xmlns='urn:xmpp:sasl:2'><authorization-identifier>\(CheckStream.fullJID)</authorization-identifier>"
                + "<resumed \(sm) previd='old' h='3'/></success>"),
            (.s2c, message("s6", to: CheckStream.fullJID) + "<r \(sm)/>"),
            (.c2s, "<a \(sm) h='\(clientAck)'/>"),
        ] + CheckStream.politeEnd
    }

    @Test func sasl2InlineResumptionCountsOnFromTheResumeH() throws {
        // Resumed at 5 received from the server, one more: 6.
        #expect(try CheckStream.findings(Self.sasl2Resumption(clientAck: 6), checks: Self.ids).isEmpty)
        let findings = try CheckStream.findings(Self.sasl2Resumption(clientAck: 7), checks: Self.ids)
        #expect(findings.findingIDs == ["sm-ack-wrong-h"])
        #expect(findings.first?.finding?.message.contains("acknowledges 7 stanzas, but the server has sent only 6") == true)
    }

    // MARK: sm-request-unanswered

    @Test func requestIgnoredWhileSendingOnIsAWarning() throws {
        let stream = Self.managedSession() + Self.twoMessagesAndRequest + [
            (.s2c, Self.message("s1", to: CheckStream.fullJID)),
        ] + CheckStream.politeEnd
        let records = try CheckStream.records(stream, checks: Self.ids)
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["sm-request-unanswered"])
        let finding = try #require(findings.first)
        #expect(finding.finding?.severity == .warning)
        let reply = try #require(records.first { $0.kind == "message" && $0.id == "s1" })
        #expect(finding.about == [try Self.seq(records, "r"), reply.seq])
        #expect(finding.direction == .s2c)
        // Reported when the server closed its stream.
        #expect(records.first { $0.event == .streamClose && $0.direction == .s2c }?.seq == finding.seq)
    }

    @Test func requestAnsweredIsFine() throws {
        let stream = Self.managedSession() + Self.twoMessagesAndRequest + [
            (.s2c, Self.message("s1", to: CheckStream.fullJID)),
            (.s2c, "<a \(Self.sm) h='2'/>"),
        ] + CheckStream.politeEnd
        #expect(try CheckStream.findings(stream, checks: Self.ids).isEmpty)
    }

    @Test func requestIgnoredBeforeAStreamErrorIsNotJudged() throws {
        // A side that ends the stream with an error owes no answers.
        let stream = Self.managedSession() + Self.twoMessagesAndRequest + [
            (.s2c, Self.message("s1", to: CheckStream.fullJID)),
            (.s2c, "<stream:error><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>"),
        ]
        #expect(try CheckStream.findings(stream, checks: Self.ids).isEmpty)
    }

    @Test func requestAtTheVeryEndIsNotJudged() throws {
        // The server sent nothing after the <r/>: it may never have read it.
        let stream = Self.managedSession() + Self.twoMessagesAndRequest + CheckStream.politeEnd
        #expect(try CheckStream.findings(stream, checks: Self.ids).isEmpty)
    }

    @Test func floodOfRequestsIsBoundedAndCountedExactly() throws {
        // 1,200 <r/>s the server never answers, though it sends a message after all of them:
        // 1,000 are listed, the rest counted; the text names ten, the newest last.
        let requests = PendingStreamManagementRequests.capacity + 200
        let stream = Self.managedSession() + Array(repeating: (Direction?.some(.c2s), "<r \(Self.sm)/>"), count: requests) + [
            (.s2c, Self.message("s1", to: CheckStream.fullJID)),
        ] + CheckStream.politeEnd
        let records = try CheckStream.records(stream, checks: Self.ids)
        let seqs = records.filter { $0.kind == "r" && $0.event == .nonza }.map(\.seq)
        #expect(seqs.count == requests)
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["sm-request-unanswered"])
        let finding = try #require(findings.first)
        let reply = try #require(records.first { $0.kind == "message" && $0.id == "s1" })
        // The listed ones, the newest, and what the server sent last.
        #expect(finding.about == Array(seqs.prefix(PendingStreamManagementRequests.capacity)) + [seqs[seqs.count - 1], reply.seq])
        let named = seqs.prefix(9).map { "#\($0)" }.joined(separator: ", ") + ", …, #\(seqs[seqs.count - 1])"
        #expect(finding.finding?.message == "\(requests) <r/>s (\(named)) from the client never got an <a/>, although the server went on sending (#\(reply.seq) last).")
    }

    @Test func floodOfRequestsCutByAnAnswerPastTheListIsCountedAsARange() throws {
        // The server's last message comes after the 1,100th of 1,200 <r/>s: which of the 200
        // counted past the list came before it is not known, so the count is a range (bounded by
        // the 100 seqs between the last listed and the message). Reported once, not again at the end.
        let capacity = PendingStreamManagementRequests.capacity
        let request: (Direction?, String) = (.c2s, "<r \(Self.sm)/>")
        let stream = Self.managedSession() + Array(repeating: request, count: capacity + 100) + [
            (.s2c, Self.message("s1", to: CheckStream.fullJID)),
        ] + Array(repeating: request, count: 100) + CheckStream.politeEnd
        let records = try CheckStream.records(stream, checks: Self.ids)
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["sm-request-unanswered"])
        let message = try #require(findings.first?.finding?.message)
        #expect(message.hasPrefix("\(capacity) to \(capacity + 100) <r/>s ("))
        #expect(findings.first?.about.count == capacity + 1)
    }

    @Test func pendingRequestsListTheFirstAndCountTheRest() {
        var counters = StreamManagementCounters()
        counters.startCounting(.c2s, at: 0, seq: 1)
        for seq in 2...2_501 {
            counters.stanzaSent(.c2s)
            counters.requestSent(.c2s, seq: seq)
        }
        let pending = counters.pendingRequests[.c2s]
        #expect(pending?.listed.count == PendingStreamManagementRequests.capacity)
        #expect(pending?.listed.last?.seq == PendingStreamManagementRequests.capacity + 1)
        #expect(pending?.unlisted == 2_500 - PendingStreamManagementRequests.capacity)
        #expect(pending?.count == 2_500)
        #expect(pending?.newest == PendingStreamManagementRequests.Request(seq: 2_501, sentBefore: 2_500))
        counters.ackSent(.s2c, h: 2_500, seq: 2_502)
        #expect(counters.pendingRequests[.c2s] == nil)
    }

    @Test func ackShortOfTheNewestRequestPastTheListIsAnError() throws {
        // 1,001 messages, each followed by <r/>: the newest request, past the list, follows 1,001
        // stanzas; <a h='1000'/> answers the 1,000th but not it.
        let count = PendingStreamManagementRequests.capacity + 1
        let requests: [(Direction?, String)] = (1...count).map { (.c2s, Self.message("m\($0)") + "<r \(Self.sm)/>") }
        let stream = Self.managedSession() + requests + [
            (.s2c, "<a \(Self.sm) h='\(count - 1)'/>"),
            (.s2c, Self.message("s1", to: CheckStream.fullJID)),
        ] + CheckStream.politeEnd
        let records = try CheckStream.records(stream, checks: "sm-ack-wrong-h")
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["sm-ack-wrong-h"])
        let newest = try Self.seq(records, "r", count - 1)
        #expect(findings.first?.about == [newest, try Self.seq(records, "a")])
    }

    /// 1,000 listed requests at seqs 2, 4, … 2,000, then 100 past the list at 2,002 … 2,200.
    static func floodPending() -> PendingStreamManagementRequests {
        var pending = PendingStreamManagementRequests()
        for index in 1...(PendingStreamManagementRequests.capacity + 100) {
            pending.append(.init(seq: 2 * index, sentBefore: UInt32(index)))
        }
        return pending
    }

    @Test func summaryOfAFloodNamesTheListedAndTheNewestAndCountsTheRest() {
        let pending = Self.floodPending()
        #expect(pending.listed.count == 1_000 && pending.unlisted == 100)
        let firstNine = (1...9).map { "#\(2 * $0)" }.joined(separator: ", ")
        // Everything in range: exactly 1,100, the newest named last.
        for before in [2_201, 3_000] {
            let all = UnansweredRequestSummary(pending, after: 0, before: before)
            #expect(all.isExact && all.named.count == 1_001 && all.named.last == 2_200 && all.unnamed == 99...99)
            #expect(all.text == "1100 <r/>s (\(firstNine), …, #2200)")
        }
        // The answering side's last record right after the next-to-newest: all but the newest.
        let allButNewest = UnansweredRequestSummary(pending, after: 0, before: 2_200)
        #expect(allButNewest.isExact && allButNewest.named.count == 1_000 && allButNewest.unnamed == 99...99)
        #expect(allButNewest.text == "1099 <r/>s (\(firstNine), …)")
        // Inside the counted span: a range, bounded by the 99 others (and the 100 seqs).
        let cut = UnansweredRequestSummary(pending, after: 0, before: 2_101)
        #expect(!cut.isExact && cut.unnamed == 0...99 && cut.text == "1000 to 1099 <r/>s (\(firstNine), …)")
        let narrow = UnansweredRequestSummary(pending, after: 0, before: 2_011)
        #expect(narrow.unnamed == 0...10)
        // Right after the last listed: none of the counted ones.
        let listedOnly = UnansweredRequestSummary(pending, after: 0, before: 2_001)
        #expect(listedOnly.isExact && listedOnly.unnamed == 0...0 && listedOnly.text == "1000 <r/>s (\(firstNine), …, #2000)")
        // A second report after one that was a range: the newest named, the rest a range.
        let again = UnansweredRequestSummary(pending, after: 2_100, before: 3_000)
        #expect(again.named == [2_200] && again.unnamed == 0...99 && again.text == "1 to 100 <r/>s (…, #2200)")
        // After everything was reported: nothing.
        #expect(UnansweredRequestSummary(pending, after: 2_200, before: 3_000).isEmpty)
    }

    @Test func summaryOfAFewNamesThemAll() {
        var pending = PendingStreamManagementRequests()
        pending.append(.init(seq: 5, sentBefore: 1))
        pending.append(.init(seq: 9, sentBefore: 2))
        #expect(UnansweredRequestSummary(pending, after: 0, before: 10).text == "2 <r/>s (#5, #9)")
        #expect(UnansweredRequestSummary(pending, after: 0, before: 9).text == "<r/> #5")
        #expect(UnansweredRequestSummary(pending, after: 5, before: 10).text == "<r/> #9")
        #expect(UnansweredRequestSummary(pending, after: 0, before: 5).isEmpty)
    }

    // MARK: sm-resume-wrong-h, sm-resumed-wrong-h (two connections)

    /// Connection 1: the server sends 3 messages, the client acknowledges 2; the client sends 2
    /// messages, the server acknowledges 1; the connection dies. Connection 2 resumes it with
    /// `<resume h='resumeH'/>`, answered by `<resumed h='resumedH'/>`, then the client sends one
    /// more message and the server acknowledges `laterAck`.
    static func resumption(resumeH: Int, resumedH: Int, laterAck: Int = 3) throws -> [Record] {
        let feeder = TwoConnectionFeeder(checks: try CheckSelection(parsing: ids))
        for (direction, text) in managedSession() {
            feeder.send(connection: 1, direction!, text)
        }
        let first: [(Direction, String)] = [
            (.s2c, message("s1", to: CheckStream.fullJID) + message("s2", to: CheckStream.fullJID) + message("s3", to: CheckStream.fullJID)),
            (.c2s, "<a \(sm) h='2'/>"),
            (.c2s, message("m1")),
            (.s2c, "<a \(sm) h='1'/>"),
            (.c2s, message("m2")),
        ]
        for (direction, text) in first { feeder.send(connection: 1, direction, text) }
        let open = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>"
        let second: [(Direction, String)] = [
            (.c2s, "<?xml version='1.0'?>" + open),
            (.s2c, "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.com' id='t1' version='1.0'>"
                + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"),
            (.c2s, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGp1bGlldABwYXNz</auth>"),
            (.s2c, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"),
            (.c2s, open),
            (.s2c, "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.com' id='t2' version='1.0'>"
                + "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm \(sm)/></stream:features>"),
            (.c2s, "<resume \(sm) previd='sm1' h='\(resumeH)'/>"),
            (.s2c, "<resumed \(sm) previd='sm1' h='\(resumedH)'/>"),
            (.c2s, message("m3") + "<r \(sm)/>"),
            (.s2c, "<a \(sm) h='\(laterAck)'/>"),
            (.c2s, "</stream:stream>"),
            (.s2c, "</stream:stream>"),
        ]
        for (direction, text) in second { feeder.send(connection: 2, direction, text) }
        return feeder.finish()
    }

    @Test func resumptionWithTheRightCountsIsFine() throws {
        let records = try Self.resumption(resumeH: 3, resumedH: 2)
        #expect(Set(records.filter { $0.kind == "resumed" }.map(\.connection)).count == 1)
        #expect(Set(records.map(\.connection)).count == 2)
        #expect(records.findingIDs == [])
        // Acknowledged earlier, so the lowest values are right too.
        #expect(try Self.resumption(resumeH: 2, resumedH: 1, laterAck: 2).findingIDs == [])
    }

    @Test func resumeClaimingMoreThanTheServerSentIsAnError() throws {
        let records = try Self.resumption(resumeH: 4, resumedH: 2)
        #expect(records.findingIDs == ["sm-resume-wrong-h"])
        let finding = try #require(records.first { $0.event == .finding })
        #expect(finding.finding?.severity == .error)
        #expect(finding.about == [try Self.seq(records, "resume")])
        #expect(finding.finding?.message.contains("the server sent only 3 there") == true)
    }

    @Test func resumeBelowTheClientsOwnAckIsAnError() throws {
        let records = try Self.resumption(resumeH: 1, resumedH: 2)
        #expect(records.findingIDs == ["sm-resume-wrong-h"])
        let acks = records.filter { $0.kind == "a" && $0.direction == .c2s && $0.connection == records.first { $0.kind == "enable" }?.connection }
        #expect(records.first { $0.event == .finding }?.about == [try #require(acks.first).seq, try Self.seq(records, "resume")])
    }

    @Test func resumedClaimingMoreThanTheClientSentIsAnError() throws {
        let records = try Self.resumption(resumeH: 3, resumedH: 3, laterAck: 4)
        #expect(records.findingIDs == ["sm-resumed-wrong-h"])
        let finding = try #require(records.first { $0.event == .finding })
        #expect(finding.finding?.severity == .error)
        #expect(finding.about == [try Self.seq(records, "resumed")])
        #expect(finding.finding?.message.contains("the client sent only 2 there") == true)
    }

    @Test func resumedBelowTheServersOwnAckIsAnError() throws {
        let records = try Self.resumption(resumeH: 3, resumedH: 0, laterAck: 1)
        #expect(records.findingIDs == ["sm-resumed-wrong-h"])
        let serverAck = try #require(records.first { $0.kind == "a" && $0.direction == .s2c })
        #expect(records.first { $0.event == .finding }?.about == [serverAck.seq, try Self.seq(records, "resumed")])
    }

    @Test func countingContinuesAfterResumption() throws {
        // Resumed at 2, one more message: an ack of 4 is one too many.
        let records = try Self.resumption(resumeH: 3, resumedH: 2, laterAck: 4)
        #expect(records.findingIDs == ["sm-ack-wrong-h"])
        #expect(records.first { $0.event == .finding }?.finding?.message.contains("acknowledges 4 stanzas, but the client has sent only 3") == true)
    }

    // MARK: real traffic

    /// Every capture in captures/ and ../shared/captures-public: no stream management finding.
    /// (None of them uses XEP-0198; real stream management traffic is scripts/sm-check.sh's.)
    @Test func noFindingsOnRealCaptures() throws {
        let options = InspectorOptions(keepsElements: false, checks: try CheckSelection(parsing: Self.ids))
        let own = repositoryRoot.appendingPathComponent("captures")
        let shared = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/captures-public")
        var paths: [String] = []
        for directory in [own, shared] {
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".pcap") && $0 != "c2s-misbehaving.pcap" }.sorted()
            paths += names.map { directory.appendingPathComponent($0).path }
        }
        #expect(paths.count >= 7)
        for path in paths {
            let keys = String(path.dropLast(".pcap".count)) + ".keys"
            let keyLogs = FileManager.default.fileExists(atPath: keys) ? [keys] : []
            let records = try replayRecords(path, options: options, keyLogs: keyLogs)
            #expect(records.findingIDs == [], "\(path)")
        }
    }

    /// The captures scripts/sm-check.sh makes with Prosody (mod_smacks) and slixmpp (XEP-0198),
    /// when XMPPSCOPE_SM_CAPTURES names its output directory: the good run (with a resumption)
    /// has no finding and acknowledgements both ways, the run whose client acks a wrong h has sm-ack-wrong-h.
    @Test func prosodyAndSlixmppCaptures() throws {
        guard let directory = ProcessInfo.processInfo.environment["XMPPSCOPE_SM_CAPTURES"] else { return }
        let options = InspectorOptions(keepsElements: false, checks: try CheckSelection(parsing: Self.ids))
        let good = try replayRecords(directory + "/sm-good.pcap", options: options)
        #expect(good.findingIDs == [])
        #expect(good.filter { $0.kind == "a" && $0.direction == .c2s }.count >= 1)
        #expect(good.filter { $0.kind == "a" && $0.direction == .s2c }.count >= 1)
        #expect(good.filter { $0.kind == "r" }.count >= 2)
        #expect(good.filter { $0.kind == "resumed" }.count == 1)
        let wrong = try replayRecords(directory + "/sm-wrong-h.pcap", options: options)
        #expect(wrong.findingIDs.contains("sm-ack-wrong-h"))
        #expect(wrong.filter { $0.event == .finding }.allSatisfy { $0.finding?.id == "sm-ack-wrong-h" && $0.direction == .c2s })
    }
}

/// Feeds raw text of two (or more) TCP connections, client port by connection number, through
/// the tracker and the inspector with checks on.
private final class TwoConnectionFeeder {
    private var records: [Record] = []
    private lazy var inspector = Inspector(options: InspectorOptions(keepsElements: false, checks: checks)) { [unowned self] in
        self.records.append($0)
    }
    private let checks: CheckSelection
    private let tracker = TCPConnectionTracker()
    private let server = Endpoint(address: .v4(0x7F00_0001), port: 5222)
    private var nextSequence: [Int: [Direction: UInt32]] = [:]
    private var time: Int64 = 1_700_000_000_000_000

    init(checks: CheckSelection) { self.checks = checks }

    func send(connection: Int, _ direction: Direction, _ text: String) {
        let client = Endpoint(address: .v4(0x7F00_0001), port: UInt16(40000 + connection))
        if nextSequence[connection] == nil {
            nextSequence[connection] = [.c2s: 1, .s2c: 1]
            segment(from: client, to: server, sequence: 0, flags: [.syn], text: "")
            segment(from: server, to: client, sequence: 0, flags: [.syn, .ack], text: "")
        }
        let sequence = nextSequence[connection]![direction]!
        let (from, to) = direction == .c2s ? (client, server) : (server, client)
        segment(from: from, to: to, sequence: sequence, flags: [.ack, .psh], text: text)
        nextSequence[connection]![direction] = sequence &+ UInt32(text.utf8.count)
    }

    func finish() -> [Record] {
        tracker.finish(at: Timestamp(microseconds: time), delegate: inspector)
        inspector.finishAll(at: Timestamp(microseconds: time))
        return records
    }

    private func segment(from: Endpoint, to: Endpoint, sequence: UInt32, flags: TCPFlags, text: String) {
        time += 1000
        Array(text.utf8).withUnsafeBytes { bytes in
            tracker.process(TCPSegment(packet: 0, timestamp: Timestamp(microseconds: time), source: from, destination: to,
                                       sequence: sequence, acknowledgement: 0, flags: flags, payload: bytes), delegate: inspector)
        }
    }
}
