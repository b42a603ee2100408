import XMPPBase

/// A get or set that got no result or error by the end of the connection (or capture), although
/// the side it went to kept sending afterwards: it had the chance to answer. Triggered by the
/// follow-up record of an unanswered request; only on streams carrying both sides' iqs, and not
/// where bytes went missing the way the answer would have come.
final class IQUnanswered: Check {
    static let descriptor = CheckDescriptor(
        id: "iq-unanswered", severity: .warning, spec: "RFC 6120 §8.2.3",
        rule: "Every iq get or set is answered with a result or an error.",
        hint: "Answer every request you receive; for one you do not understand, reply with <service-unavailable/> or <feature-not-implemented/>."
    )

    /// The last stanza or nonza each side sent: its seq and time.
    private var lastC2S: (seq: Int, time: Timestamp)?
    private var lastS2C: (seq: Int, time: Timestamp)?
    /// Requests (by direction and id) that got a response with their id but other addresses.
    private var answeredLoosely: Set<IQExchange.Key> = []

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        switch record.event {
        case .stanza:
            if record.record.unanswered {
                report(record, in: session, findings: &findings)
                return
            }
        case .nonza:
            break
        default:
            return
        }
        if record.direction == .c2s {
            lastC2S = (record.seq, record.record.timestamp)
        } else {
            lastS2C = (record.seq, record.record.timestamp)
        }
        if record.record.unmatchedResponse, record.kind == "iq", let id = record.id {
            if answeredLoosely.count >= IQExchange.capacity { answeredLoosely.removeAll() }
            answeredLoosely.insert(IQExchange.Key(direction: record.direction.opposite, id: id))
        }
    }

    private func report(_ request: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard request.kind == "iq", IQExchange.isTwoWay(session) else { return }
        let other = request.direction.opposite
        guard !session.hadGap.contains(other),
              let last = other == .c2s ? lastC2S : lastS2C, last.seq > request.seq else { return }
        if let id = request.id, answeredLoosely.contains(IQExchange.Key(direction: request.direction, id: id)) { return }
        let responder = IQExchange.side(other, in: session)
        let end = session.streamClosed[other] != nil ? "before \(responder) closed its stream" : "by the end of the capture"
        let tenths = max(0, (last.time.microseconds - request.record.timestamp.microseconds + 50_000) / 100_000)
        let later = "\(tenths / 10).\(tenths % 10)"
        findings.report(Self.descriptor,
                        "\(request.label) got no result or error \(end), although \(responder) kept sending after it (its last record #\(last.seq), \(later) s later).",
                        about: [request.seq], direction: other)
    }
}
