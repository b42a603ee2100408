/// A presence whose `type` is none of those RFC 6121 defines (available presence has no type).
struct PresenceInvalidType: Check {
    static let descriptor = CheckDescriptor(
        id: "presence-invalid-type", severity: .error, spec: "RFC 6121 §4.7.1",
        rule: "A presence's 'type' is one of error, probe, subscribe, subscribed, unavailable, unsubscribe or unsubscribed; available presence has none.",
        hint: "Leave 'type' out for available presence (there is no type='available'); otherwise use one of the seven types."
    )
    static let interests: CheckInterest = .presence
    static let needsDirections = false

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.isStanza, record.kind == "presence", let type = record.type else { return }
        switch type {
        case "error", "probe", "subscribe", "subscribed", "unavailable", "unsubscribe", "unsubscribed":
            return
        case "available":
            findings.report(Self.descriptor,
                            "\(record.label) has type 'available', which does not exist: available presence has no type.",
                            about: [record.seq])
        default:
            findings.report(Self.descriptor, "\(record.label) has type '\(type)', which is not a presence type.",
                            about: [record.seq])
        }
    }
}
