import XMPPBase

/// `<auth mechanism='X'>` where the server's stream features did not offer X.
struct SASLMechanismNotOffered: Check {
    static let descriptor = CheckDescriptor(
        id: "sasl-mechanism-not-offered", severity: .error, spec: "RFC 6120 §6.4.2",
        rule: "The initiating entity picks its SASL mechanism from those the receiving entity offered in <mechanisms/> on this stream.",
        hint: "Read <mechanisms/> from the stream features after each stream (re)start and choose only among those; do not reuse a mechanism remembered from another server or stream."
    )
    static let interests: CheckInterest = .nonza

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.event == .nonza, record.kind == "auth", record.direction == .c2s,
              record.record.namespaces.first == XMPPNamespace.sasl,
              let offered = session.offeredMechanisms,
              let mechanism = record[attribute: "mechanism"], !offered.contains(mechanism) else { return }
        let about = (session.featuresSeq.map { [$0] } ?? []) + [record.seq]
        let list = offered.isEmpty ? "none" : offered.joined(separator: ", ")
        findings.report(Self.descriptor,
                        "\(record.label) asks for mechanism '\(mechanism)', which the stream features\(session.featuresSeq.map { " #\($0)" } ?? "") did not offer (offered: \(list)).",
                        about: about)
    }
}
