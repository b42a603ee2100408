/// A client stamps its own stanzas with the `from` the server would put there anyway: allowed,
/// but useless, and a server may refuse a `from` it did not expect.
struct AddressClientFromSet: Check {
    static let descriptor = CheckDescriptor(
        id: "client-from-set", severity: .warning, spec: "RFC 6120 §8.1.2.1",
        rule: "A client need not put 'from' on what it sends: the server stamps its full JID on every stanza from the client.",
        hint: "Leave 'from' out of stanzas a client sends; the server fills it in."
    )
    static let interests: CheckInterest = .stanzas

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.direction == .c2s, record.isStanza, let from = record.from,
              session.isClientStream, let bound = session.boundJID,
              Self.isOwnAddress(from, bound: bound, record: record) else { return }
        findings.report(Self.descriptor, "\(record.label) carries from='\(from)', which the server sets anyway.",
                        about: [record.seq])
    }

    /// Whether `from` is what the server would stamp on `record`: the bound full JID, or for a
    /// subscription presence the bare JID (RFC 6121 §3).
    static func isOwnAddress(_ from: String, bound: String, record: CheckedRecord) -> Bool {
        if JIDSyntax.same(from, bound) { return true }
        guard record.kind == "presence", let type = record.type,
              type == "subscribe" || type == "subscribed" || type == "unsubscribe" || type == "unsubscribed",
              JIDSyntax(from).slash == nil else { return false }
        return JIDSyntax.comparableBare(from) == JIDSyntax.comparableBare(bound)
    }
}
