/// Every check there is. A new check is added here (and documented in docs/checks.md).
public enum CheckCatalog {
    /// The check types, in the order `check --list` prints them.
    static let all: [any Check.Type] = [
        // iq (Rules/IQ*.swift)
        IQMissingID.self,

        // stanza errors (Rules/Error*.swift)

        // addressing (Rules/Address*.swift)

        // message and presence (Rules/Message*.swift, Rules/Presence*.swift)

        // stream and SASL (Rules/Stream*.swift, Rules/SASL*.swift)

        // stream management (Rules/StreamManagement*.swift)
        StreamManagementAckWrongH.self,
        StreamManagementRequestUnanswered.self,
        StreamManagementResumeWrongH.self,
        StreamManagementResumedWrongH.self,

    ]

    /// Every check's descriptor, in catalog order.
    public static var descriptors: [CheckDescriptor] { all.map { $0.descriptor } }

    /// The descriptor of the check with this id.
    public static func descriptor(_ id: String) -> CheckDescriptor? {
        byID[id]?.descriptor
    }

    static let byID: [String: any Check.Type] = Dictionary(uniqueKeysWithValues: all.map { ($0.descriptor.id, $0) })
}
