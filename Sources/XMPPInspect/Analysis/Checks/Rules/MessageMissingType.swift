/// A message with a body but no `type`: it is a `normal` message, which is seldom what a chat
/// client means.
struct MessageMissingType: Check {
    static let descriptor = CheckDescriptor(
        id: "message-missing-type", severity: .info, spec: "RFC 6121 §5.2.2",
        rule: "A message without 'type' is of type 'normal'; a sender should say which type it means.",
        hint: "Set type='chat' for one-to-one chat (or 'normal' explicitly when that is what is meant)."
    )
    static let interests: CheckInterest = .message
    static let needsDirections = false

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.isStanza, record.kind == "message", record.type == nil, record.mayHaveChild("body"),
              let message = record.element,
              message.firstChild("body", namespace: message.namespace) != nil else { return }
        findings.report(Self.descriptor, "\(record.label) has a body but no type, so it is a 'normal' message.",
                        about: [record.seq])
    }
}
