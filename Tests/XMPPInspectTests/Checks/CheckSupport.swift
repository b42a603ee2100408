import XMPPBase
import XMPPCore
@testable import XMPPInspect

/// Streams for check tests: raw XMPP text per direction, fed through the whole pipeline with
/// checks on, and what they found.
enum CheckStream {
    static let domain = "example.com"
    static let fullJID = "juliet@example.com/balcony"

    /// A client session on a plain stream up to and including resource binding (SASL PLAIN, no
    /// TLS: a check about encryption gets its own opening).
    static func boundSession(features: String = "") -> [(Direction?, String)] {
        [
            (.c2s, "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>"),
            (.s2c, "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.com' id='s1' version='1.0'>"
                + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism><mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>"),
            (.c2s, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>biwsbj1qdWxpZXQscj1hYmM=</auth>"),
            (.s2c, "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>cj1hYmNkZWYscz1RU1hDUixpPTQwOTY=</challenge>"),
            (.c2s, "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>Yz1iaXdzLHI9YWJjZGVmLHA9eHh4</response>"),
            (.s2c, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>dj14eHg=</success>"),
            (.c2s, "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>"),
            (.s2c, "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.com' id='s2' version='1.0'>"
                + "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>\(features)</stream:features>"),
            (.c2s, "<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>balcony</resource></bind></iq>"),
            (.s2c, "<iq type='result' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>\(fullJID)</jid></bind></iq>"),
        ]
    }

    /// A polite end: unavailable presence, then both sides close the stream.
    static let politeEnd: [(Direction?, String)] = [
        (.c2s, "<presence type='unavailable'/></stream:stream>"),
        (.s2c, "</stream:stream>"),
    ]

    /// Every record the pipeline makes of `parts` with `checks` on (all by default).
    static func records(_ parts: [(Direction?, String)], checks: String? = nil, keepsElements: Bool = false) throws -> [Record] {
        let selection = try checks.map { try CheckSelection(parsing: $0) } ?? .all
        return inspectText(parts, options: InspectorOptions(keepsElements: keepsElements, checks: selection))
    }

    /// The findings the pipeline makes of `parts` with `checks` on.
    static func findings(_ parts: [(Direction?, String)], checks: String? = nil, keepsElements: Bool = false) throws -> [Record] {
        try records(parts, checks: checks, keepsElements: keepsElements).filter { $0.event == .finding }
    }
}

extension Array where Element == Record {
    /// The ids of the finding records, in order.
    var findingIDs: [String] { compactMap { $0.finding?.id } }
    /// The record with this seq that is not a finding.
    func record(seq: Int) -> Record? { first { $0.seq == seq && $0.event != .finding } }
}
