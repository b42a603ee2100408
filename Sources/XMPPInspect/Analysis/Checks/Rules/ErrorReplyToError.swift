/// A response to an error stanza: a side received a stanza of type error and sent back, to its
/// sender and with its id, a response of its own (iq result or error answering no request, or a
/// message or presence of type error). This is how two entities bounce errors forever.
struct ErrorReplyToError: Check {
    static let descriptor = CheckDescriptor(
        id: "error-reply-to-error", severity: .error, spec: "RFC 6120 §8.3.1",
        rule: "An entity never responds to a stanza of type 'error', not even with another error.",
        hint: "Never answer a stanza of type error: handle or log it, and drop it."
    )
    static let interests: CheckInterest = .stanzas

    /// An error stanza one side received.
    private struct ReceivedError {
        var seq: Int
        var kind: String
        var from: String?
        var label: String
    }

    /// Error stanzas by the direction they went and their id, until that side sends a stanza with
    /// that id that is not an error (a later reply would answer that one).
    private var received: [IQExchange.Key: ReceivedError] = [:]

    mutating func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.isStanza, let id = record.id, !id.isEmpty, let kind = record.kind else { return }
        let isError = record.type == "error"
        if !received.isEmpty {
            let replyKey = IQExchange.Key(direction: record.direction.opposite, id: id)
            if let earlier = received[replyKey], earlier.kind == kind, Self.isResponse(record),
               IQExchange.sameEntity(record.to, earlier.from) {
                findings.report(Self.descriptor,
                                "\(record.label) responds to the error \(earlier.label) it received, with the same id and back to its sender: nothing may answer an error stanza.",
                                about: [earlier.seq, record.seq])
                received[replyKey] = nil
            }
            if !isError { received[IQExchange.Key(direction: record.direction, id: id)] = nil }
        }
        guard isError else { return }
        if received.count >= IQExchange.capacity { received.removeAll() }
        received[IQExchange.Key(direction: record.direction, id: id)] =
            ReceivedError(seq: record.seq, kind: kind, from: record.from, label: record.label)
    }

    /// An iq result or error that pairs with no request, or a message or presence of type error.
    private static func isResponse(_ record: CheckedRecord) -> Bool {
        if record.kind == "iq" {
            return (record.type == "result" || record.type == "error") && record.record.requestSeq == nil
        }
        return record.type == "error"
    }
}
