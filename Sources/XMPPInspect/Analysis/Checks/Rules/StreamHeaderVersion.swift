/// A stream header without `version='1.0'`: the peer may take the stream for a pre-RFC 3920 one
/// (no stream features, no TLS or SASL negotiation).
final class StreamHeaderVersion: Check {
    static let descriptor = CheckDescriptor(
        id: "stream-header-version", severity: .warning, spec: "RFC 6120 §4.7.5",
        rule: "A stream header carries version='1.0' (or a higher version); without it the peer treats the stream as version 0.9, which has no stream features.",
        hint: "Put version='1.0' on every <stream:stream> header, both the initial one and the one after each stream restart."
    )
    static let interests: CheckInterest = .streamOpen

    /// Whether the initiating side's current header announced 1.0 or later (the response may only
    /// announce what the initiating side did).
    private var initiatorSpeaksOne = false

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.event == .streamOpen, record.kind == "stream" else { return }
        let version = record[attribute: "version"]
        let fine = version.map(Self.isOneOrLater) ?? false
        if record.direction == .c2s {
            initiatorSpeaksOne = fine
        } else if !initiatorSpeaksOne {
            // RFC 6120 §4.7.5: the response carries the lower of both versions, so a server answering
            // a header without version leaves it out rightly.
            return
        }
        guard !fine else { return }
        let what = version.map { "has version='\($0)'" } ?? "has no version attribute"
        findings.report(Self.descriptor,
                        "\(record.label) \(what): the peer may treat this as a pre-XMPP 1.0 stream, without stream features (no STARTTLS, SASL or resource binding).",
                        about: [record.seq])
    }

    /// `major.minor` with a major version of at least 1.
    private static func isOneOrLater(_ version: String) -> Bool {
        let parts = version.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), Int(parts[1]) != nil else { return false }
        return major >= 1
    }
}
