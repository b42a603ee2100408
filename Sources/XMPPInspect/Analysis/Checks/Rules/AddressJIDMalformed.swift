/// A `from` or `to` on a stanza or stream header that is not a JID (RFC 7622 §3): an empty or
/// over-long part, or a character no part may hold.
struct AddressJIDMalformed: Check {
    static let descriptor = CheckDescriptor(
        id: "jid-malformed", severity: .error, spec: "RFC 7622 §3",
        rule: "Every address is a valid JID: a non-empty domain, no empty localpart before '@' or resource after '/', no part over 1023 bytes, and no forbidden characters.",
        hint: "Build JIDs from their parts with a JID library that validates them; escape a localpart's special characters (XEP-0106) instead of sending them raw."
    )
    static let needsDirections = false

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.isStanza || record.event == .streamOpen else { return }
        if let from = record.from, let problem = JIDSyntax.problem(in: from) {
            findings.report(Self.descriptor, "\(record.label): from='\(from)' is not a valid JID: \(problem).", about: [record.seq])
        }
        if let to = record.to, let problem = JIDSyntax.problem(in: to) {
            findings.report(Self.descriptor, "\(record.label): to='\(to)' is not a valid JID: \(problem).", about: [record.seq])
        }
    }
}
