/// An `<error/>` without a type, or with one RFC 6120 does not define: the receiver cannot tell
/// whether to retry, fix the request, authenticate or give up.
struct ErrorInvalidType: Check {
    static let descriptor = CheckDescriptor(
        id: "error-invalid-type", severity: .error, spec: "RFC 6120 §8.3.2",
        rule: "A stanza's <error/> has a 'type' attribute of auth, cancel, continue, modify or wait.",
        hint: "Set the <error/>'s type to the one RFC 6120 §8.3.3 gives for its condition (e.g. cancel for item-not-found)."
    )
    static let interests: CheckInterest = .errorStanzas
    static let needsDirections = false

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.type == "error", let error = ErrorStanza.error(record) else { return }
        let type = error[attribute: "type"]
        if let type, ErrorStanza.types.contains(type) { return }
        let problem = type.map { "has type='\($0)', which is not an error type" } ?? "has no type"
        let legacy = type == nil && error[attribute: "code"] != nil ? " (a legacy code alone does not say how to recover)" : ""
        findings.report(Self.descriptor,
                        "The <error/> of \(record.label) \(problem)\(legacy): it must be auth, cancel, continue, modify or wait.",
                        about: [record.seq])
    }
}
