import XMPPBase

/// An `<r/>` never answered with an `<a/>`, although the side asked went on sending after it
/// (so it had read the request): reported when that side closes its stream, or at the end.
struct StreamManagementRequestUnanswered: Check {
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

    mutating func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
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

    mutating func finish(in session: CheckSession, findings: inout FindingList) {
        report(askedBy: .c2s, in: session, findings: &findings)
        report(askedBy: .s2c, in: session, findings: &findings)
    }

    /// How many requests a text names at most (the first ones, then the newest).
    static let namedInText = 10

    /// How many of the requests past the list (``PendingStreamManagementRequests/unlisted``) have
    /// a seq after `after` and before `before`, and whether that is exact: their seqs are only
    /// known to lie after the last listed one and up to the newest, so when the bounds cut that
    /// span, the count is an upper bound (no more than the seqs the cut leaves).
    static func unlistedInRange(_ pending: PendingStreamManagementRequests, after: Int, before: Int) -> (count: Int, exactly: Bool) {
        guard pending.unlisted > 0, let lastListed = pending.listed.last, let newest = pending.newest else { return (0, true) }
        // The seqs the unlisted ones may have, and the ones in range: lo < seq < hi.
        let lo = max(after, lastListed.seq), hi = min(before, newest.seq + 1)
        if hi - lo <= 1 { return (0, true) }
        if lo == lastListed.seq && hi == newest.seq + 1 { return (pending.unlisted, true) }
        return (min(pending.unlisted, hi - lo - 1), false)
    }

    /// Reports the `<r/>`s sent in `direction` still pending, after which the other side sent something.
    private mutating func report(askedBy direction: Direction, in session: CheckSession, findings: inout FindingList) {
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
        let listed = pending.listed.filter { $0.seq > reportedThrough && $0.seq < lastSent }
        let unlisted = Self.unlistedInRange(pending, after: reportedThrough, before: lastSent)
        var named = listed.map(\.seq)
        if unlisted.exactly, unlisted.count > 0, let newest = pending.newest { named.append(newest.seq) }
        guard !named.isEmpty || unlisted.count > 0 else { return }
        // Past the list, the requests are counted, not named: the newest is, when all of them count.
        let unnamed = unlisted.count - (unlisted.exactly && unlisted.count > 0 ? 1 : 0)
        let asking = StreamManagementSide.name(direction, in: session)
        let asked = StreamManagementSide.name(answering, in: session)
        let requests: String
        if named.count == 1 && unnamed == 0 {
            requests = "<r/> #\(named[0])"
        } else {
            let total = named.count + unnamed
            let count = unlisted.exactly ? "\(total)" : (named.isEmpty ? "up to \(total)" : "\(named.count) to \(total)")
            var shown = named.map { "#\($0)" }
            if named.count > Self.namedInText || unnamed > 0 {
                // The first ones, then the newest named.
                let head = shown.prefix(Self.namedInText - 1)
                shown = Array(head) + ["…"] + (named.count > head.count ? [shown[shown.count - 1]] : [])
            }
            requests = "\(count) <r/>s (\(shown.joined(separator: ", ")))"
        }
        findings.report(Self.descriptor,
                        "\(requests) from \(asking) never got an <a/>, although \(asked) went on sending (#\(lastSent) last).",
                        about: named + [lastSent], direction: answering)
        // Every request before the other side's last record is reported now.
        let last = unlisted.exactly ? named.last ?? lastSent - 1 : lastSent - 1
        if direction == .c2s { reportedThroughClient = last } else { reportedThroughServer = last }
    }
}
