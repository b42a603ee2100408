import XMPPBase

/// An `<a h='N'/>` whose `h` cannot be right: more stanzas acknowledged than the other side sent,
/// fewer than an earlier `<a/>` already acknowledged, or fewer than were sent before the `<r/>`
/// it answers.
///
/// An `<a/>` sent without a request may cross an `<r/>` on the wire, so an answer short of a
/// request is held until the same side acknowledges again (then it is judged) or sends
/// something else and never answers properly (reported when it closes or the connection ends).
final class StreamManagementAckWrongH: Check {
    static let descriptor = CheckDescriptor(
        id: "sm-ack-wrong-h", severity: .error, spec: "XEP-0198 §4",
        rule: "The 'h' of an <a/> is the number of stanzas received from the other side since stream management began (mod 2^32): it never decreases, never exceeds what the other side sent, and covers every stanza sent before the <r/> it answers.",
        hint: "Count every message, presence and iq received after <enable/>/<enabled/> (or from the 'h' of <resume/>/<resumed/>), count each once, and answer <r/> with that count after handling the stanzas before it."
    )

    /// An `<a/>` that fell short of a pending `<r/>`, waiting to be judged.
    private struct ShortAnswer {
        var requestSeq: Int
        var sentBefore: UInt32
        var ackSeq: Int
        var h: UInt32
        /// Whether the acking side sent a stanza or nonza after it.
        var sentAfter = false
    }

    private var shortFromClient: ShortAnswer?
    private var shortFromServer: ShortAnswer?

    private subscript(_ direction: Direction) -> ShortAnswer? {
        get { direction == .c2s ? shortFromClient : shortFromServer }
        set { if direction == .c2s { shortFromClient = newValue } else { shortFromServer = newValue } }
    }

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        let direction = record.direction
        if self[direction] != nil {
            switch record.event {
            case .streamClose:
                reportShort(direction, in: session, findings: &findings)
                return
            case .stanza, .nonza:
                if record.kind != "a" { self[direction]?.sentAfter = true }
            default:
                break
            }
        }
        guard record.event == .nonza, record.kind == "a",
              record.record.namespaces.first == CheckNamespace.streamManagement,
              let managed = session.managed,
              let h = record[attribute: "h"].flatMap(UInt32.init) else { return }
        let counters = managed.counters
        let acked = direction.opposite
        let ack = "<a h='\(h)'/> #\(record.seq)"
        let acking = StreamManagementSide.name(direction, in: session)
        let sender = StreamManagementSide.name(acked, in: session)

        if let last = counters.lastAck[direction], !StreamManagementCounters.isAtMost(last.h, h) {
            findings.report(Self.descriptor,
                            "\(ack) from \(acking) goes back: its earlier <a h='\(last.h)'/> #\(last.seq) had acknowledged \(StreamManagementSide.stanzas(last.h)) already; h never decreases.",
                            about: [last.seq, record.seq])
            self[direction] = nil
            return
        }
        guard let sent = counters.sent[acked], !managed.hadGap.contains(acked) else { return }
        let start = counters.startSeq[acked].map { " since stream management began at #\($0)" } ?? ""
        if !StreamManagementCounters.isAtMost(h, sent) {
            findings.report(Self.descriptor,
                            "\(ack) from \(acking) acknowledges \(StreamManagementSide.stanzas(h)), but \(sender) has sent only \(sent)\(start).",
                            about: [record.seq])
            self[direction] = nil
            return
        }
        if let held = self[direction] {
            self[direction] = nil
            if !StreamManagementCounters.isAtMost(held.sentBefore, h) {
                findings.report(Self.descriptor,
                                "\(sender.prefix(1).uppercased() + sender.dropFirst()) had sent \(StreamManagementSide.stanzas(held.sentBefore))\(start) before <r/> #\(held.requestSeq), but the <a/>s \(acking) sent after it acknowledge fewer: <a h='\(held.h)'/> #\(held.ackSeq), then \(ack).",
                                about: [held.requestSeq, held.ackSeq, record.seq])
                return
            }
        }
        // The pending request with the most stanzas before it is the one this answer must cover.
        if let request = counters.pendingRequests[acked]?.newest, !StreamManagementCounters.isAtMost(request.sentBefore, h) {
            self[direction] = ShortAnswer(requestSeq: request.seq, sentBefore: request.sentBefore, ackSeq: record.seq, h: h)
        }
    }

    func finish(in session: CheckSession, findings: inout FindingList) {
        reportShort(.c2s, in: session, findings: &findings)
        reportShort(.s2c, in: session, findings: &findings)
    }

    /// The side that gave a short answer is done (it closed, or the connection ended): if it sent
    /// anything after that answer, it had read the `<r/>` and never answered it properly.
    private func reportShort(_ direction: Direction, in session: CheckSession, findings: inout FindingList) {
        guard let held = self[direction] else { return }
        self[direction] = nil
        guard held.sentAfter else { return }
        let acking = StreamManagementSide.name(direction, in: session)
        let sender = StreamManagementSide.name(direction.opposite, in: session)
        findings.report(Self.descriptor,
                        "<a h='\(held.h)'/> #\(held.ackSeq) from \(acking) answers <r/> #\(held.requestSeq), but \(sender) had sent \(StreamManagementSide.stanzas(held.sentBefore)) before that <r/>; no later <a/> covered them.",
                        about: [held.requestSeq, held.ackSeq], direction: direction)
    }
}
