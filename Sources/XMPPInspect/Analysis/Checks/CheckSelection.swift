import XMPPBase

/// Which checks run: all of them, or those `--checks` names (`iq-missing-id,-message-missing-type`:
/// ids to run, `-id` to leave out; only exclusions means every other check).
public struct CheckSelection: Sendable, Hashable {
    /// The ids that run.
    public let ids: Set<String>

    /// Every check.
    public static let all = CheckSelection(ids: Set(CheckCatalog.descriptors.map(\.id)))

    private init(ids: Set<String>) { self.ids = ids }

    /// Parses a `--checks` list; throws for an unknown id, naming the closest known one.
    public init(parsing list: String) throws(CheckSelectionError) {
        let items = list.split(separator: ",").map { String($0).trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
        guard !items.isEmpty else { throw .empty }
        let known = Set(CheckCatalog.descriptors.map(\.id))
        var included: Set<String> = []
        var excluded: Set<String> = []
        for item in items {
            let excluding = item.hasPrefix("-")
            let id = excluding ? String(item.dropFirst()) : item
            guard known.contains(id) else {
                let closest = known.min { id.editDistance(to: $0) < id.editDistance(to: $1) }
                throw .unknown(id: id, suggestion: closest.flatMap { id.editDistance(to: $0) <= 3 ? $0 : nil })
            }
            if excluding { excluded.insert(id) } else { included.insert(id) }
        }
        ids = (included.isEmpty ? known : included).subtracting(excluded)
    }

    /// The selected check types, in catalog order; with `directionsKnown` false, only those that
    /// need no directions.
    func checkTypes(directionsKnown: Bool) -> [any Check.Type] {
        CheckCatalog.all.filter { ids.contains($0.descriptor.id) && (directionsKnown || !$0.needsDirections) }
    }
}

/// A `--checks` list that cannot be used.
public enum CheckSelectionError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case unknown(id: String, suggestion: String?)

    public var description: String {
        switch self {
        case .empty:
            return "--checks needs check ids, separated by commas ('xmppscope check --list' lists them)"
        case .unknown(let id, let suggestion?):
            return "no check is called '\(id)': did you mean '\(suggestion)'? ('xmppscope check --list' lists them)"
        case .unknown(let id, nil):
            return "no check is called '\(id)' ('xmppscope check --list' lists them)"
        }
    }
}
