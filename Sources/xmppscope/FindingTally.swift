import Synchronization
import XMPPInspect

/// Counts findings by severity where records are written (the records thread) for the thread
/// that decides the exit status: `proxy --check`.
final class FindingTally: Sendable {
    private let counts = Mutex<[FindingSeverity: Int]>([:])

    /// Counts `record` if it is a finding.
    func count(_ record: Record) {
        guard let finding = record.finding else { return }
        counts.withLock { $0[finding.severity, default: 0] += 1 }
    }

    /// Findings of each severity so far.
    var bySeverity: [FindingSeverity: Int] { counts.withLock { $0 } }

    /// `2 errors, 1 warning` (worst first), or `no findings`.
    var summary: String {
        let counts = bySeverity
        let parts = FindingSeverity.allCases.reversed().compactMap { severity -> String? in
            guard let count = counts[severity], count > 0 else { return nil }
            return "\(count) \(severity.rawValue)\(count == 1 ? "" : "s")"
        }
        return parts.isEmpty ? "no findings" : parts.joined(separator: ", ")
    }
}
