/// An iq without an `id`: its response cannot be matched to it.
struct IQMissingID: Check {
    static let descriptor = CheckDescriptor(
        id: "iq-missing-id", severity: .error, spec: "RFC 6120 §8.2.3",
        rule: "Every iq carries an 'id' attribute: the response repeats it, and it is how the requester pairs them.",
        hint: "Give every iq an id that is unique on the stream (a counter or a random string)."
    )
    static let interests: CheckInterest = .iq
    static let needsDirections = false

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.isStanza, record.kind == "iq", record.id == nil || record.id == "" else { return }
        findings.report(Self.descriptor, "\(record.label) has no id: whoever receives it cannot answer it usefully.",
                        about: [record.seq])
    }
}
