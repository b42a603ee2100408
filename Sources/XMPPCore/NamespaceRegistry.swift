/// What the XSF registry says about a namespace.
public struct NamespaceInfo: Sendable, Hashable {
    public var namespace: String
    /// Short label: `disco#info`, `roster`, `ping`.
    public var label: String
    /// Defining document: `XEP-0030`, `RFC 6120`.
    public var spec: String
    /// The document's title.
    public var title: String
    /// `Final`, `Draft`, `Deprecated`, … or `RFC`.
    public var status: String

    /// `disco#info · XEP-0030 Service Discovery`.
    public var summary: String { "\(label) · \(spec) \(title)" }
}

/// Looks namespaces up in the XSF registry table (`shared/data/xmpp-namespaces.tsv`, compiled in).
public enum NamespaceRegistry {
    /// Every namespace in the table, keyed by URI.
    public static let all: [String: NamespaceInfo] = {
        var table: [String: NamespaceInfo] = [:]
        for line in namespaceTableTSV.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 5 else { continue }
            table[fields[0]] = NamespaceInfo(
                namespace: fields[0], label: fields[1], spec: fields[2], title: fields[3], status: fields[4]
            )
        }
        return table
    }()

    /// The entry for `namespace`, or nil when the registry does not list it.
    public static func info(for namespace: String) -> NamespaceInfo? { all[namespace] }
}

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
    public static let all: [ConditionInfo] = {
        conditionTableTSV.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
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
