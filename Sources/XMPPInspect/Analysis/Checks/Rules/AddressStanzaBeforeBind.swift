import XMPPBase

/// A client sends a stanza before it may: before authenticating (other than in-band
/// registration or legacy authentication), or after authenticating but before a resource is
/// bound to someone other than the server itself or its own account (a stanza with no `to`).
final class AddressStanzaBeforeBind: Check {
    static let descriptor = CheckDescriptor(
        id: "stanza-before-bind", severity: .error, spec: "RFC 6120 §7.1",
        rule: "A client sends no stanzas before it has authenticated, and none to other entities until a resource is bound: until then it has no address to send from.",
        hint: "Wait for the SASL <success/> and the bind result (or Bind 2 inside SASL2's success) before sending presence, messages or iqs to others."
    )

    /// The domain the client opened the stream to (stanzas to it are to the server itself).
    private var serverDomain: String?
    /// The id of a bind request not yet answered: binding may be complete for the server
    /// before the client hears so, so what a client pipelines after it is not counted.
    private var pendingBindID: String?
    /// The connection authenticated in a way the session facts do not follow (legacy
    /// authentication, XEP-0078), or is no client's after all (a component's `<handshake/>`, a
    /// server answering in another namespace than `jabber:client`): this check stays quiet on it.
    private var quiet = false

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        switch record.event {
        case .streamOpen:
            if record.direction == .c2s {
                serverDomain = record.to
            } else if record.record.namespaces.first != XMPPNamespace.client {
                quiet = true
            }
            return
        case .nonza:
            if record.kind == "handshake" { quiet = true }
            return
        default:
            break
        }
        guard record.isStanza, session.isClientStream, !quiet else { return }
        if record.direction == .s2c {
            if let pending = pendingBindID, record.kind == "iq", record.id == pending, record.type == "error" { pendingBindID = nil }
            return
        }
        guard session.isComplete, session.boundJID == nil else { return }
        let namespaces = record.record.namespaces
        if record.kind == "iq" && namespaces.contains(CheckNamespace.legacyAuth) {
            quiet = true
            return
        }
        if let authenticated = session.authenticationSeq {
            if record.kind == "iq" && namespaces.contains(CheckNamespace.bind) {
                if record.type == "set" { pendingBindID = record.id ?? "" }
                return
            }
            // A resumed stream (XEP-0198) continues a bound session, even one not seen here.
            guard pendingBindID == nil, session.resumeRequest == nil, session.managed == nil,
                  !(record.kind == "iq" && namespaces.contains(CheckNamespace.session)),
                  !isToServer(record.to) else { return }
            findings.report(Self.descriptor,
                            "\(record.label) to '\(record.to ?? "")' was sent after authentication (#\(authenticated)) but before a resource was bound: the server must not route it.",
                            about: [record.seq])
        } else {
            // Only where the server's offer of SASL was seen: a capture that begins at the stream
            // restart after authentication looks "seen from the start" but is not.
            guard session.offeredMechanisms != nil || session.offeredSASL2Mechanisms != nil,
                  !(record.kind == "iq" && namespaces.contains(CheckNamespace.register)) else { return }
            findings.report(Self.descriptor,
                            "\(record.label) was sent before the client authenticated: the server must not process it.",
                            about: [record.seq])
        }
    }

    /// Whether `to` is the server itself or the client's own account (no `to`, or the stream's
    /// domain), which RFC 6120 §7.1 lets a client address before binding.
    private func isToServer(_ to: String?) -> Bool {
        guard let to else { return true }
        guard let serverDomain else { return false }
        return JIDSyntax.comparableBare(to) == JIDSyntax.comparableBare(serverDomain)
    }
}
