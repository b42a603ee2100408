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

    /// `disco#info · XEP-0030`: the short name and the spec, as the pretty output labels elements.
    public var shortSummary: String { "\(label) · \(spec)" }

    /// `disco#info · XEP-0030 Service Discovery`.
    public var summary: String { "\(label) · \(spec) \(title)" }
}

/// Looks namespaces up in the XSF registry table (`shared/data/xmpp-namespaces.tsv`, compiled in).
public enum NamespaceRegistry {
    /// Every namespace in the table, keyed by URI.
    public static let all: [String: NamespaceInfo] = {
        var table: [String: NamespaceInfo] = [:]
        for fields in TabSeparatedRows.rows(of: namespaceTableTSV) {
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
