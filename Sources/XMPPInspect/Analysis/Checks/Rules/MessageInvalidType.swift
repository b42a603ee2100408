/// A message whose `type` is none of the five RFC 6121 defines.
struct MessageInvalidType: Check {
    static let descriptor = CheckDescriptor(
        id: "message-invalid-type", severity: .error, spec: "RFC 6121 §5.2.2",
        rule: "A message's 'type' is one of chat, error, groupchat, headline or normal.",
        hint: "Use one of the five types; leave 'type' out for a normal message."
    )
    static let interests: CheckInterest = .message
    static let needsDirections = false

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.isStanza, record.kind == "message", let type = record.type else { return }
        switch type {
        case "chat", "error", "groupchat", "headline", "normal":
            return
        default:
            findings.report(Self.descriptor,
                            "\(record.label) has type '\(type)', which is not a message type (chat, error, groupchat, headline, normal).",
                            about: [record.seq])
        }
    }
}
