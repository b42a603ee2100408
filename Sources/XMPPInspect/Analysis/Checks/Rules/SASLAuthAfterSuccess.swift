import XMPPBase

/// A second SASL (or SASL2) authentication on a connection that already authenticated.
struct SASLAuthAfterSuccess: Check {
    static let descriptor = CheckDescriptor(
        id: "sasl-auth-after-success", severity: .error, spec: "RFC 4422 §3.8, XEP-0388 §3.8",
        rule: "Once SASL authentication has succeeded on a connection, no further authentication exchange may start on it (XMPP permits only one).",
        hint: "After <success/> restart the stream (SASL) or continue with the new features (SASL2); to log in as someone else, open a new connection."
    )
    static let interests: CheckInterest = .nonza

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.event == .nonza, record.direction == .c2s,
              record.kind == "auth" || record.kind == "authenticate",
              let success = session.authenticationSeq else { return }
        let namespace = record.record.namespaces.first
        guard (record.kind == "auth" && namespace == XMPPNamespace.sasl)
                || (record.kind == "authenticate" && namespace == CheckNamespace.sasl2) else { return }
        findings.report(Self.descriptor,
                        "\(record.label) starts a new authentication although the server already reported success (#\(success)) on this connection.",
                        about: [success, record.seq])
    }
}
