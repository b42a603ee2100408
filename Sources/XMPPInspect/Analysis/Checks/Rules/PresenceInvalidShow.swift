/// A presence whose `<show/>` says something other than away, chat, dnd or xa.
struct PresenceInvalidShow: Check {
    static let descriptor = CheckDescriptor(
        id: "presence-invalid-show", severity: .error, spec: "RFC 6121 §4.7.2.1",
        rule: "A presence's <show/> holds exactly one of away, chat, dnd or xa; plain availability has no <show/>.",
        hint: "Send one of the four values, or leave <show/> out for plain 'online'; put free text in <status/>."
    )
    static let needsDirections = false

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.isStanza, record.kind == "presence", record.childCount > 0, record.rawContains("show"),
              let presence = record.element else { return }
        for show in presence.elements where show.name == "show" && show.namespace == presence.namespace {
            let value = show.text.trimmingCharacters(in: " \t\r\n")
            switch value {
            case "away", "chat", "dnd", "xa":
                continue
            default:
                findings.report(Self.descriptor,
                                "\(record.label) has <show>\(value)</show>; only away, chat, dnd and xa are allowed.",
                                about: [record.seq])
                return
            }
        }
    }
}
