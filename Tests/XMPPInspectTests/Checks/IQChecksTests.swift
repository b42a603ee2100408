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
}
