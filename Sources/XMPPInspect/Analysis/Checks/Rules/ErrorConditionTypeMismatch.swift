import XMPPCore

/// An `<error/>` whose type does not fit its condition as RFC 6120 §8.3.3 describes it (for
/// example item-not-found with type='modify'): the receiver may retry what cannot work, or give
/// up on what would.
struct ErrorConditionTypeMismatch: Check {
    static let descriptor = CheckDescriptor(
        id: "error-condition-type-mismatch", severity: .warning, spec: "RFC 6120 §8.3.3",
        rule: "A stanza error's type is the one RFC 6120 §8.3.3 associates with its condition.",
        hint: "Use the type RFC 6120 §8.3.3 gives the condition, or pick the condition that matches the recovery you mean."
    )
    static let interests: CheckInterest = .errorStanzas
    static let needsDirections = false

    /// The types each condition may have beyond the default the registry lists: the alternatives
    /// RFC 6120 §8.3.3 names, and those XMPP extensions prescribe (XEP-0045 service-unavailable
    /// wait for a full room; XEP-0191 and XEP-0045 not-acceptable cancel; XEP-0060 unexpected-request
    /// cancel for a node one is not subscribed to).
    static let alternatives: [String: Set<String>] = [
        "feature-not-implemented": ["modify"],
        "policy-violation": ["wait"],
        "unexpected-request": ["modify", "cancel"],
        "service-unavailable": ["wait"],
        "not-acceptable": ["cancel"],
    ]

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.type == "error", let error = ErrorStanza.error(record),
              let type = error[attribute: "type"], ErrorStanza.types.contains(type),
              let condition = ErrorStanza.condition(of: error),
              let expected = ConditionRegistry.info(.stanza, condition.name)?.defaultType,
              expected != "any", type != expected else { return }
        let others = Self.alternatives[condition.name] ?? []
        guard !others.contains(type) else { return }
        let fitting = ([expected] + others.sorted()).map { "'\($0)'" }.joined(separator: " or ")
        findings.report(Self.descriptor,
                        "The <error/> of \(record.label) has <\(condition.name)/> with type='\(type)': RFC 6120 gives \(condition.name) the type \(fitting).",
                        about: [record.seq])
    }
}
