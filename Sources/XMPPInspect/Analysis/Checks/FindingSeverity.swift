/// How much a finding matters: an `error` breaks a MUST of the spec (and makes `xmppscope check`
/// exit 1), a `warning` a SHOULD or a likely bug, `info` a habit worth knowing about.
public enum FindingSeverity: String, Sendable, Hashable, CaseIterable, Comparable {
    case info
    case warning
    case error

    public static func < (a: FindingSeverity, b: FindingSeverity) -> Bool {
        a.rank < b.rank
    }

    /// `2 errors, 1 warning, 3 infos`, the worst first; empty when every count is zero.
    public static func describe(_ counts: [FindingSeverity: Int]) -> String {
        allCases.reversed().compactMap { severity -> String? in
            guard let count = counts[severity], count > 0 else { return nil }
            return "\(count) \(severity.rawValue)\(count == 1 ? "" : "s")"
        }.joined(separator: ", ")
    }

    private var rank: Int {
        switch self {
        case .info: return 0
        case .warning: return 1
        case .error: return 2
        }
    }
}
