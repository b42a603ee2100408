/// An RFC 6120 defined condition.
public struct ConditionInfo: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case stanza, stream, sasl }
    public var kind: Kind
    public var condition: String
    /// Stanza errors: the type the RFC says to use (`cancel`, `modify`, …; `any`); nil otherwise.
    public var defaultType: String?
    public var description: String
}

/// The defined conditions of RFC 6120 (`shared/data/xmpp-conditions.tsv`, compiled in).
public enum ConditionRegistry {
    /// Every defined condition, in the table's order (stanza, stream and SASL conditions).
    public static let all: [ConditionInfo] = {
        TabSeparatedRows.rows(of: conditionTableTSV).compactMap { fields in
            guard fields.count >= 4, let kind = ConditionInfo.Kind(rawValue: fields[0]) else { return nil }
            return ConditionInfo(
                kind: kind, condition: fields[1], defaultType: fields[2].isEmpty ? nil : fields[2], description: fields[3]
            )
        }
    }()

    private static let byKey: [String: ConditionInfo] = {
        Dictionary(all.map { ("\($0.kind.rawValue)/\($0.condition)", $0) }, uniquingKeysWith: { first, _ in first })
    }()

    /// The entry for a condition of this kind, or nil when it is not a defined one.
    public static func info(_ kind: ConditionInfo.Kind, _ condition: String) -> ConditionInfo? {
        byKey["\(kind.rawValue)/\(condition)"]
    }
}
