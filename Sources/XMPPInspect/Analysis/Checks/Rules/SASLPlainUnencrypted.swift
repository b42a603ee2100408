import XMPPBase

/// SASL PLAIN on a stream without TLS: the password crosses the network readable by anyone on the path.
struct SASLPlainUnencrypted: Check {
    static let descriptor = CheckDescriptor(
        id: "sasl-plain-unencrypted", severity: .warning, spec: "RFC 6120 §13.8.3, RFC 4616 §4",
        rule: "PLAIN sends the password in clear, so it is used only on a stream protected by TLS.",
        hint: "Negotiate STARTTLS (or connect with direct TLS) before authenticating, prefer SCRAM, and have the server stop offering PLAIN without TLS."
    )
    static let interests: CheckInterest = .nonza

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.event == .nonza, record.direction == .c2s,
              record.kind == "auth" || record.kind == "authenticate",
              !session.isEncrypted else { return }
        let namespace = record.record.namespaces.first
        guard (record.kind == "auth" && namespace == XMPPNamespace.sasl)
                || (record.kind == "authenticate" && namespace == CheckNamespace.sasl2),
              record[attribute: "mechanism"] == "PLAIN" else { return }
        findings.report(Self.descriptor,
                        "\(record.label) uses PLAIN on a stream without TLS: the password travels in clear (base64 is no protection).",
                        about: [record.seq])
    }
}
