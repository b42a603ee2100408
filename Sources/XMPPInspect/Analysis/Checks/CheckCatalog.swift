/// Every check there is. A new check is added here (and documented in docs/checks.md).
public enum CheckCatalog {
    /// The check types, in the order `check --list` prints them.
    static let all: [any Check.Type] = [
        // iq (Rules/IQ*.swift)
        IQMissingID.self,
        IQInvalidType.self,
        IQPayloadCount.self,
        IQUnmatchedResponse.self,
        IQDuplicateResponse.self,
        IQIDReused.self,
        IQUnanswered.self,

        // stanza errors (Rules/Error*.swift)
        ErrorMissingElement.self,
        ErrorInvalidType.self,
        ErrorNoCondition.self,
        ErrorConditionTypeMismatch.self,
        ErrorReplyToError.self,

        // addressing (Rules/Address*.swift)
        AddressClientFromMismatch.self,
        AddressClientFromSet.self,
        AddressJIDMalformed.self,
        AddressStanzaBeforeBind.self,

        // message and presence (Rules/Message*.swift, Rules/Presence*.swift)
        MessageMissingType.self,
        MessageInvalidType.self,
        PresenceInvalidType.self,
        PresenceInvalidShow.self,
        MessageDuplicateLanguage.self,
        MessageReplyWithoutThread.self,

        // stream and SASL (Rules/Stream*.swift, Rules/SASL*.swift)
        StreamHeaderVersion.self,
        StreamHeaderNamespace.self,
        StreamSessionNoUnavailable.self,
        StreamSessionNoStreamClose.self,
        StreamStanzaAfterClose.self,
        SASLPlainUnencrypted.self,
        SASLMechanismNotOffered.self,
        SASLAuthAfterSuccess.self,
        SASL2MechanismNotOffered.self,
        SASL2InlineNotOffered.self,
        SASLSSDPMismatch.self,

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
