import XMPPBase

/// A `from` or `to` on a stanza or stream header that is not a JID (RFC 7622 §3): an empty or
/// over-long part, or a character no part may hold.
final class AddressJIDMalformed: Check {
    static let descriptor = CheckDescriptor(
        id: "jid-malformed", severity: .error, spec: "RFC 7622 §3",
        rule: "Every address is a valid JID: a non-empty domain, no empty localpart before '@' or resource after '/', no part over 1023 bytes, and no forbidden characters.",
        hint: "Build JIDs from their parts with a JID library that validates them; escape a localpart's special characters (XEP-0106) instead of sending them raw."
    )
    static let interests: CheckInterest = [.stanzas, .streamOpen]
    static let needsDirections = false

    /// Addresses lately found valid on this connection: its stanzas repeat a handful of JIDs,
    /// and comparing a string costs less than validating it (or hashing it). The oldest makes
    /// room for a new one, so memory stays flat.
    private var recentlyValid = RecentlyKept<String>(capacity: 16)

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.isStanza || record.event == .streamOpen else { return }
        if let from = record.from, let problem = problem(in: from) {
            findings.report(Self.descriptor, "\(record.label): from='\(from)' is not a valid JID: \(problem).", about: [record.seq])
        }
        if let to = record.to, let problem = problem(in: to) {
            findings.report(Self.descriptor, "\(record.label): to='\(to)' is not a valid JID: \(problem).", about: [record.seq])
        }
    }

    /// What is wrong with `jid`, or nil; remembers the valid ones.
    private func problem(in jid: String) -> String? {
        let length = jid.utf8.count
        for known in recentlyValid.values where known.utf8.count == length && known == jid { return nil }
        if let problem = JIDSyntax.problem(in: jid) { return problem }
        recentlyValid.keep(jid)
        return nil
    }
}
