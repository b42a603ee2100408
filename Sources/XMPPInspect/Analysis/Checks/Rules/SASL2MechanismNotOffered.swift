import XMPPBase

/// SASL2 `<authenticate mechanism='X'>` where X was neither among the `<authentication/>` feature's
/// mechanisms nor a FAST token mechanism offered inline.
struct SASL2MechanismNotOffered: Check {
    static let descriptor = CheckDescriptor(
        id: "sasl2-mechanism-not-offered", severity: .error, spec: "XEP-0388 §2.3",
        rule: "The SASL2 <authenticate/> names a mechanism the server announced in its <authentication/> feature (or, for a FAST token, in the inline <fast/> feature); the server must fail any other.",
        hint: "Pick the mechanism from the <authentication/> feature of this stream (FAST token mechanisms from its <inline><fast/>)."
    )
    static let interests: CheckInterest = .nonza

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.event == .nonza, record.kind == "authenticate", record.direction == .c2s,
              record.record.namespaces.first == CheckNamespace.sasl2,
              let offered = session.offeredSASL2Mechanisms,
              let mechanism = record[attribute: "mechanism"],
              !offered.contains(mechanism), !session.offeredFASTMechanisms.contains(mechanism) else { return }
        let about = (session.featuresSeq.map { [$0] } ?? []) + [record.seq]
        var list = offered.isEmpty ? "none" : offered.joined(separator: ", ")
        if !session.offeredFASTMechanisms.isEmpty { list += "; FAST: " + session.offeredFASTMechanisms.joined(separator: ", ") }
        findings.report(Self.descriptor,
                        "\(record.label) asks for mechanism '\(mechanism)', which the SASL2 feature\(session.featuresSeq.map { " #\($0)" } ?? "") did not offer (offered: \(list)).",
                        about: about)
    }
}
