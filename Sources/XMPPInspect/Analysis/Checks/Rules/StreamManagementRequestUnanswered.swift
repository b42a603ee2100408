import XMPPBase

/// An `<r/>` never answered with an `<a/>`, although the side asked went on sending after it
/// (so it had read the request): reported when that side closes its stream, or at the end.
final class StreamManagementRequestUnanswered: Check {
    static let descriptor = CheckDescriptor(
        id: "sm-request-unanswered", severity: .warning, spec: "XEP-0198 §4",
        rule: "A party that receives an <r/> answers it with an <a/> as soon as it can; one that keeps sending without ever answering leaves its peer unable to drop acknowledged stanzas.",
        hint: "Handle <r/> in the stream management layer: reply <a h='…'/> with the count of stanzas handled so far, before sending anything else."
    )

    /// The seq of the last stanza or nonza each side sent.
    private var lastSentByClient = 0
    private var lastSentByServer = 0
    /// Requests already reported (by seq of the last one reported per asking direction).
    private var reportedThroughClient = 0
    private var reportedThroughServer = 0
    /// Whether a side ended its stream with a stream error (then it owes no answers).
    private var abortedByClient = false
    private var abortedByServer = false

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        switch record.event {
        case .stanza, .nonza:
            guard !record.record.unanswered else { return }
            if record.direction == .c2s { lastSentByClient = record.seq } else { lastSentByServer = record.seq }
        case .streamError:
            if record.direction == .c2s { abortedByClient = true } else { abortedByServer = true }
        case .streamClose:
            // The side closing has read every <r/> it will: those sent its way before what it
            // sent last are over.
            report(askedBy: record.direction.opposite, in: session, findings: &findings)
        default:
            break
        }
    }

    func finish(in session: CheckSession, findings: inout FindingList) {
        report(askedBy: .c2s, in: session, findings: &findings)
        report(askedBy: .s2c, in: session, findings: &findings)
    }

    /// Reports the `<r/>`s sent in `direction` still pending, after which the other side sent something.
    private func report(askedBy direction: Direction, in session: CheckSession, findings: inout FindingList) {
        guard let managed = session.managed,
              let pending = managed.counters.pendingRequests[direction], !pending.isEmpty else { return }
        let answering = direction.opposite
        // A gap the answering way may have swallowed the answer.
        guard !managed.hadGap.contains(answering), !session.hadGap.contains(answering) else { return }
        let aborted = answering == .c2s ? abortedByClient : abortedByServer
        let lastSent = answering == .c2s ? lastSentByClient : lastSentByServer
        let reportedThrough = direction == .c2s ? reportedThroughClient : reportedThroughServer
        guard !aborted else { return }
        // Those the other side had read (it sent something after them) and not reported before.
        let summary = UnansweredRequestSummary(pending, after: reportedThrough, before: lastSent)
        guard !summary.isEmpty else { return }
        let asking = StreamManagementSide.name(direction, in: session)
        let asked = StreamManagementSide.name(answering, in: session)
        findings.report(Self.descriptor,
                        "\(summary.text) from \(asking) never got an <a/>, although \(asked) went on sending (#\(lastSent) last).",
                        about: summary.named + [lastSent], direction: answering)
        // Every request in range is reported now: through the newest named, or, where the count
        // is a range, through everything before the other side's last record.
        let last = summary.isExact ? summary.named.last ?? lastSent - 1 : lastSent - 1
        if direction == .c2s { reportedThroughClient = last } else { reportedThroughServer = last }
    }
}
