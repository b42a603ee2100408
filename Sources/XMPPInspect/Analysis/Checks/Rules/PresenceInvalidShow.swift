/// A presence whose `<show/>` says something other than away, chat, dnd or xa.
struct PresenceInvalidShow: Check {
    static let descriptor = CheckDescriptor(
        id: "presence-invalid-show", severity: .error, spec: "RFC 6121 §4.7.2.1",
        rule: "A presence's <show/> holds exactly one of away, chat, dnd or xa; plain availability has no <show/>.",
        hint: "Send one of the four values, or leave <show/> out for plain 'online'; put free text in <status/>."
    )
    static let interests: CheckInterest = .presence
    static let needsDirections = false

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.isStanza, record.kind == "presence", record.mayHaveChild("show") else { return }
        // The common case, one plain <show>value</show>, is read from the bytes; anything else
        // (a prefix, attributes, entities, several) from the tree. A second <show> written with
        // attributes or a prefix escapes the byte count: the framer's marks catch it.
        if !record.mayHaveSeveralChildren("show"), record.withRawSimpleText("<show>", Self.isValid) == true { return }
        guard let presence = record.element else { return }
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

    /// Whether `text` is one of the four values, with spaces around it at most.
    private static func isValid(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        guard let first = text.firstIndex(where: { !isSpace($0) }),
              let last = text.lastIndex(where: { !isSpace($0) }) else { return false }
        let value = text[first...last]
        return value.elementsEqual("away".utf8) || value.elementsEqual("chat".utf8)
            || value.elementsEqual("dnd".utf8) || value.elementsEqual("xa".utf8)
    }
}
