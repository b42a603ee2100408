import XMPPBase

/// An element sent after the sender's own `</stream:stream>`: a closed stream carries nothing more.
final class StreamStanzaAfterClose: Check {
    static let descriptor = CheckDescriptor(
        id: "stanza-after-close", severity: .error, spec: "RFC 6120 §4.4",
        rule: "After sending </stream:stream> an entity sends no more data on that stream: no stanzas, no other elements.",
        hint: "Send everything you have (unavailable presence, acks) before </stream:stream>; after it only wait for the peer's close."
    )

    /// The close each direction's last finding was about: one finding per close, not one per element.
    private var reported: [Direction: Int] = [:]

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.event == .stanza || record.event == .nonza || record.event == .streamError,
              !record.record.unanswered,
              let close = session.streamClosed[record.direction], reported[record.direction] != close else { return }
        reported[record.direction] = close
        findings.report(Self.descriptor,
                        "\(record.label) was sent after the same side's </stream:stream> #\(close): the stream was already closed.",
                        about: [close, record.seq])
    }
}
