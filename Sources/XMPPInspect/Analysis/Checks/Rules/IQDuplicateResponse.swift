/// A second result or error for a request already answered: same id, same direction, same
/// responder and requester as the response that answered it.
final class IQDuplicateResponse: Check {
    static let descriptor = CheckDescriptor(
        id: "iq-duplicate-response", severity: .error, spec: "RFC 6120 §8.2.3",
        rule: "A get or set is answered exactly once: one result or one error, never both or two.",
        hint: "Send one response per request and stop; if processing fails after a result went out, do not send an error too."
    )
    static let interests: CheckInterest = .iq
    static let readsAnsweredRequests = true

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.event == .stanza, record.kind == "iq", IQExchange.isResponse(record), let id = record.id else { return }
        // A response that answered a request is noted by the session (after the checks).
        guard record.record.requestSeq == nil else { return }
        // A gap the other way may hide a second request with this id, which this would answer.
        guard record.record.unmatchedResponse, !session.hadGap.contains(record.direction.opposite),
              let first = session.answeredRequests.earlier(IQExchange.Key(direction: record.direction, id: id), like: record)
        else { return }
        findings.report(Self.descriptor,
                        "\(record.label) answers the request #\(first.requestSeq) (id '\(id)') a second time: <iq type='\(first.responseType)' id='\(id)'> #\(first.responseSeq) already answered it.",
                        about: [first.requestSeq, first.responseSeq, record.seq])
    }
}
