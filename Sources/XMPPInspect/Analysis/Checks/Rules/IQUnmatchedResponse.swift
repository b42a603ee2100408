import XMPPBase

/// An iq result or error that answers no request sent the other way on the connection. Only
/// where the connection was seen from its start without gaps (so the request cannot predate the
/// capture), on streams that carry both sides' iqs, and not after a XEP-0198 resumption (the
/// server then delivers answers to requests of the earlier connection). A second answer to an
/// answered request is ``IQDuplicateResponse``'s; an answer whose id waits but whose addresses
/// do not match is left alone, and so is an error answering an iq whose type was not a valid
/// one (the peer rightly refused it; ``IQInvalidType`` reports the iq).
final class IQUnmatchedResponse: Check {
    static let descriptor = CheckDescriptor(
        id: "iq-unmatched-response", severity: .warning, spec: "RFC 6120 §8.2.3",
        rule: "An iq result or error is only sent in answer to a get or set with the same id.",
        hint: "Answer only requests you received, copying their id; never send a result or error unprompted."
    )
    static let interests: CheckInterest = [.iq, .nonza]
    static let readsAnsweredRequests = true

    private var open = IQOpenRequests()
    /// Whether this connection resumed an earlier stream (XEP-0198).
    private var resumed = false
    /// iqs of no valid type (`type='fetch'`), by sender and id: an error may answer them.
    private var invalidType: Set<IQExchange.Key> = []

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        switch record.event {
        case .nonza:
            if !resumed, Self.isResumption(record) { resumed = true }
            return
        case .stanza:
            break
        default:
            return
        }
        guard record.kind == "iq", let id = record.id, !id.isEmpty else { return }
        if record.record.unanswered {
            open.remove(IQExchange.Key(direction: record.direction, id: id), seq: record.seq)
            return
        }
        switch record.type {
        case "get", "set":
            open.add(IQExchange.Key(direction: record.direction, id: id),
                     .init(seq: record.seq, originator: "", type: record.type ?? ""))
        case "result", "error":
            let requestKey = IQExchange.Key(direction: record.direction.opposite, id: id)
            if record.type == "error" && invalidType.remove(requestKey) != nil { return }
            // A response that answered a request is noted by the session (after the checks).
            if let requestSeq = record.record.requestSeq {
                open.remove(requestKey, seq: requestSeq)
                return
            }
            guard record.record.unmatchedResponse else { return }
            if open.isWaiting(requestKey) {
                // The id waits for an answer; only the addresses differ. Not sure enough to report.
                open.removeOldest(requestKey)
                return
            }
            guard session.answeredRequests.earlier(IQExchange.Key(direction: record.direction, id: id), like: record) == nil,
                  session.isComplete, !resumed, IQExchange.isTwoWay(session) else { return }
            let other = IQExchange.side(record.direction.opposite, in: session)
            findings.report(Self.descriptor,
                            "\(record.label) answers no request: \(other) sent no get or set with id '\(id)' on this connection, which was seen from its start.",
                            about: [record.seq])
        default:
            if invalidType.count >= 10_000 { invalidType.removeAll() }
            invalidType.insert(IQExchange.Key(direction: record.direction, id: id))
        }
    }

    /// `<resumed/>` (XEP-0198), alone or inside a SASL2 `<success/>`.
    private static func isResumption(_ record: CheckedRecord) -> Bool {
        if record.kind == "resumed" && record.record.namespaces.first == CheckNamespace.streamManagement { return true }
        return record.kind == "success" && record.record.namespaces.first == CheckNamespace.sasl2 && record.rawContains("resumed")
    }
}
