/// A stanza of type error without an `<error/>` child: the receiver learns nothing of what went wrong.
struct ErrorMissingElement: Check {
    static let descriptor = CheckDescriptor(
        id: "error-missing-element", severity: .error, spec: "RFC 6120 §8.3.1",
        rule: "A stanza of type 'error' contains an <error/> child saying what went wrong.",
        hint: "Add <error type='…'> with a defined condition in urn:ietf:params:xml:ns:xmpp-stanzas to every error stanza."
    )
    static let interests: CheckInterest = .errorStanzas
    static let needsDirections = false

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.type == "error", let parts = ErrorStanza.parts(record), parts.error == nil else { return }
        var message = "\(record.label) is of type error but has no <error/> child"
        if let misplaced = parts.stanza.firstChild("error"), let namespace = misplaced.namespace {
            message += " in the stanza's namespace (its <error/> is in '\(namespace)')"
        }
        findings.report(Self.descriptor, message + ": the receiver cannot tell what went wrong.", about: [record.seq])
    }
}
