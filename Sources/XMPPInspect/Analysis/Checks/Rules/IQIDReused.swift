/// A get or set whose id is that of an earlier request from the same sender still waiting for
/// its response: the two answers cannot be told apart. Only on client and component streams,
/// where the answers come back on the same connection.
final class IQIDReused: Check {
    static let descriptor = CheckDescriptor(
        id: "iq-id-reused", severity: .error, spec: "RFC 6120 §8.1.3, §8.2.3",
        rule: "A request's id is unique among its sender's requests still awaiting a response, so each response pairs with exactly one request.",
        hint: "Generate ids from a counter or a random source, and never reuse one before its response arrived."
    )
    static let interests: CheckInterest = .iq

    private var open = IQOpenRequests()

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.event == .stanza, record.kind == "iq", let id = record.id, !id.isEmpty else { return }
        let key = IQExchange.Key(direction: record.direction, id: id)
        if record.record.unanswered {
            open.remove(key, seq: record.seq)
            return
        }
        switch record.type {
        case "get", "set":
            let originator = IQExchange.originator(record, in: session)
            // A gap the other way may hide the earlier request's answer; between servers the
            // answer comes back on another connection, so requests never look answered here.
            if let earlier = open.add(key, .init(seq: record.seq, originator: originator, type: record.type ?? "")),
               IQExchange.isTwoWay(session), !session.hadGap.contains(record.direction.opposite) {
                let sender = originator.isEmpty ? IQExchange.side(record.direction, in: session) : originator
                findings.report(Self.descriptor,
                                "\(record.label) reuses the id of <iq type='\(earlier.type)' id='\(id)'> #\(earlier.seq), which \(sender) sent earlier and is still waiting for its response.",
                                about: [earlier.seq, record.seq])
            }
        case "result", "error":
            let requestKey = IQExchange.Key(direction: record.direction.opposite, id: id)
            if let requestSeq = record.record.requestSeq {
                open.remove(requestKey, seq: requestSeq)
            } else if record.record.unmatchedResponse {
                open.removeOldest(requestKey)
            }
        default:
            return
        }
    }
}
