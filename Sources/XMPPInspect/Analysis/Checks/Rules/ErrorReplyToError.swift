import XMPPBase
import XMPPCore

/// A response to an error stanza: a side received a stanza of type error and sent back, to its
/// sender and with its id, a response of its own (iq result or error answering no request, or a
/// message or presence of type error). This is how two entities bounce errors forever.
final class ErrorReplyToError: Check {
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
    /// For each direction, the marks (``ByteMark``) of the ids `received` holds errors under: a
    /// stanza whose id's mark is clear is not looked up (most stanzas, even when errors are held).
    /// An id that is not ASCII sets every mark, and is looked up whatever the marks.
    private var marksClientSent: UInt64 = 0
    private var marksServerSent: UInt64 = 0

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.isStanza, let id = record.id, !id.isEmpty, let kind = record.kind else { return }
        let isError = record.type == "error"
        // Nothing to look up and nothing to keep.
        guard isError || !received.isEmpty else { return }
        let idMark = ByteMark.of(id) ?? .max
        if !received.isEmpty {
            if marks(record.direction.opposite) & idMark != 0, Self.isResponse(record) {
                let replyKey = IQExchange.Key(direction: record.direction.opposite, id: id)
                if let earlier = received[replyKey], earlier.kind == kind, IQExchange.sameEntity(record.to, earlier.from) {
                    findings.report(Self.descriptor,
                                    "\(record.label) responds to the error \(earlier.label) it received, with the same id and back to its sender: nothing may answer an error stanza.",
                                    about: [earlier.seq, record.seq])
                    received[replyKey] = nil
                }
            }
            if !isError, marks(record.direction) & idMark != 0 {
                received[IQExchange.Key(direction: record.direction, id: id)] = nil
            }
            if received.isEmpty { (marksClientSent, marksServerSent) = (0, 0) }
        }
        guard isError else { return }
        if received.count >= IQExchange.capacity {
            received.removeAll()
            (marksClientSent, marksServerSent) = (0, 0)
        }
        received[IQExchange.Key(direction: record.direction, id: id)] =
            ReceivedError(seq: record.seq, kind: kind, from: record.from, label: record.label)
        if record.direction == .c2s { marksClientSent |= idMark } else { marksServerSent |= idMark }
    }

    private func marks(_ direction: Direction) -> UInt64 {
        direction == .c2s ? marksClientSent : marksServerSent
    }

    /// An iq result or error that pairs with no request, or a message or presence of type error.
    private static func isResponse(_ record: CheckedRecord) -> Bool {
        if record.kind == "iq" {
            return (record.type == "result" || record.type == "error") && record.record.requestSeq == nil
        }
        return record.type == "error"
    }
}
