import Synchronization
import XMPPInspect

/// Counts findings by severity where records are written (the records thread) for the thread
/// that decides the exit status: `proxy --check` and `check`.
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
        let text = FindingSeverity.describe(bySeverity)
        return text.isEmpty ? "no findings" : text
    }
}
