/// A `from` or `to` on a stanza or stream header that is not a JID (RFC 7622 §3): an empty or
/// over-long part, or a character no part may hold.
struct AddressJIDMalformed: Check {
    static let descriptor = CheckDescriptor(
        id: "jid-malformed", severity: .error, spec: "RFC 7622 §3",
        rule: "Every address is a valid JID: a non-empty domain, no empty localpart before '@' or resource after '/', no part over 1023 bytes, and no forbidden characters.",
        hint: "Build JIDs from their parts with a JID library that validates them; escape a localpart's special characters (XEP-0106) instead of sending them raw."
    )
    static let interests: CheckInterest = [.stanzas, .streamOpen]
    static let needsDirections = false

    /// The last few addresses found valid, the latest found first: a connection's stanzas repeat
    /// a handful of JIDs, and comparing a string costs less than validating it.
    private var recentlyValid: [String] = []
    private static let remembered = 8

    mutating func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.isStanza || record.event == .streamOpen else { return }
        if let from = record.from, let problem = problem(in: from) {
            findings.report(Self.descriptor, "\(record.label): from='\(from)' is not a valid JID: \(problem).", about: [record.seq])
        }
        if let to = record.to, let problem = problem(in: to) {
            findings.report(Self.descriptor, "\(record.label): to='\(to)' is not a valid JID: \(problem).", about: [record.seq])
        }
    }

    /// What is wrong with `jid`, or nil; remembers the valid ones.
    private mutating func problem(in jid: String) -> String? {
        let length = jid.utf8.count
        if let index = recentlyValid.firstIndex(where: { $0.utf8.count == length && $0 == jid }) {
            if index > 0 { recentlyValid.swapAt(0, index) }
            return nil
        }
        if let problem = JIDSyntax.problem(in: jid) { return problem }
        if recentlyValid.count < Self.remembered {
            recentlyValid.append(jid)
        } else {
            recentlyValid[Self.remembered - 1] = jid
        }
        recentlyValid.swapAt(0, recentlyValid.count - 1)
        return nil
    }
}
