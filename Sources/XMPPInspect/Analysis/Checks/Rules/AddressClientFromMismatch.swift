/// A client claims a `from` other than the JID it is bound as: the server must not trust it and
/// will replace it or refuse the stanza.
struct AddressClientFromMismatch: Check {
    static let descriptor = CheckDescriptor(
        id: "client-from-mismatch", severity: .error, spec: "RFC 6120 §8.1.2.1",
        rule: "A 'from' on a stanza a client sends must be the full JID the stream is bound to; the server rewrites or rejects any other.",
        hint: "Leave 'from' out (the server stamps it) or use exactly the JID the bind result returned."
    )
    static let interests: CheckInterest = .stanzas

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.direction == .c2s, record.isStanza, let from = record.from,
              session.isClientStream, let bound = session.boundJID,
              !AddressClientFromSet.isOwnAddress(from, bound: bound, record: record) else { return }
        let bindNote = session.bindingSeq.map { " (bound at #\($0))" } ?? ""
        findings.report(Self.descriptor,
                        "\(record.label) claims from='\(from)' but the stream is bound to '\(bound)'\(bindNote).",
                        about: [record.seq])
    }
}
