import XMPPCore
import XMPPBase

/// An `<error/>` without one of RFC 6120's defined conditions in the stanza-errors namespace: a
/// legacy `code` (XEP-0086), a condition in the wrong namespace or an unknown one do not count.
struct ErrorNoCondition: Check {
    static let descriptor = CheckDescriptor(
        id: "error-no-condition", severity: .error, spec: "RFC 6120 §8.3.2, §8.3.3",
        rule: "A stanza's <error/> contains one of the conditions RFC 6120 defines, qualified by urn:ietf:params:xml:ns:xmpp-stanzas.",
        hint: "Put a defined condition such as <item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/> in the <error/>; keep any code attribute or application element only beside it."
    )
    static let interests: CheckInterest = .errorStanzas
    static let needsDirections = false

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.type == "error", let error = ErrorStanza.error(record) else { return }
        let problem: String
        if let condition = ErrorStanza.condition(of: error) {
            guard ConditionRegistry.info(.stanza, condition.name) == nil else { return }
            problem = "has <\(condition.name)/>, which is not a condition RFC 6120 defines"
                + (condition.name == "payment-required" ? " (RFC 3920 had it; RFC 6120 dropped it)" : "")
        } else if let misplaced = error.elements.first(where: { ConditionRegistry.info(.stanza, $0.name) != nil }) {
            problem = "has <\(misplaced.name)/> in the namespace '\(misplaced.namespace ?? "")' instead of '\(XMPPNamespace.stanzas)'"
        } else if let code = error[attribute: "code"] {
            problem = "has only the legacy code='\(code)' (XEP-0086), no defined condition element"
        } else {
            problem = "has no defined condition"
        }
        findings.report(Self.descriptor, "The <error/> of \(record.label) \(problem).", about: [record.seq])
    }
}
