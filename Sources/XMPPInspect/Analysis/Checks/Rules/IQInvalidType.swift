/// An iq whose type is missing or not one of get, set, result, error: the receiver cannot tell a
/// request from a response.
struct IQInvalidType: Check {
    static let descriptor = CheckDescriptor(
        id: "iq-invalid-type", severity: .error, spec: "RFC 6120 §8.2.3",
        rule: "An iq's 'type' attribute is required and is one of get, set, result or error.",
        hint: "Set type='get' or 'set' on requests and type='result' or 'error' on the responses to them."
    )
    static let interests: CheckInterest = .iq
    static let needsDirections = false

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.isStanza, record.kind == "iq" else { return }
        switch record.type {
        case "get", "set", "result", "error":
            return
        case nil:
            findings.report(Self.descriptor, "\(record.label) has no type: the receiver cannot tell whether it is a request (get, set) or a response (result, error).",
                            about: [record.seq])
        case let type?:
            findings.report(Self.descriptor, "\(record.label) has type='\(type)', which an iq cannot have: it must be get, set, result or error.",
                            about: [record.seq])
        }
    }
}
