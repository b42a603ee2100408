import XMPPBase

/// A message with two `<body/>` (or two `<subject/>`) in the same language: which one counts is
/// anyone's guess.
struct MessageDuplicateLanguage: Check {
    static let descriptor = CheckDescriptor(
        id: "message-duplicate-lang", severity: .error, spec: "RFC 6121 §5.2.3, §5.2.4",
        rule: "Several <body/> or <subject/> elements in one message must each be in a different language (xml:lang, inherited from the message or the stream).",
        hint: "Send one <body/> (and one <subject/>) per language, each with its own xml:lang; merge the text otherwise."
    )
    static let interests: CheckInterest = .message
    static let needsDirections = false

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        // Two bodies (or subjects) need two children so named: the framer's marks rule most
        // messages out without a parse.
        guard record.isStanza, record.kind == "message", record.childCount >= 2,
              record.mayHaveSeveralChildren("body") || record.mayHaveSeveralChildren("subject"),
              let message = record.element else { return }
        // Language tags compare without regard to case (RFC 5646 §2.1.1).
        let inherited = message.attribute("lang", namespace: XMPPNamespace.xml)
            ?? session.streamHeader[record.direction]?.language ?? ""
        for name in ["body", "subject"] {
            var seen: [String] = []
            for child in message.elements where child.name == name && child.namespace == message.namespace {
                let language = (child.attribute("lang", namespace: XMPPNamespace.xml) ?? inherited).lowercased()
                if seen.contains(language) {
                    let shown = language.isEmpty ? "no language" : "xml:lang '\(language)'"
                    findings.report(Self.descriptor, "\(record.label) has more than one <\(name)/> with \(shown).",
                                    about: [record.seq])
                    break
                }
                seen.append(language)
            }
        }
    }
}
