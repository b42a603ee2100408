import XMPPBase

/// A connection that ended without `</stream:stream>` from one side or both: the peer cannot tell
/// an orderly end from a broken connection, and data in flight may be lost.
final class StreamSessionNoStreamClose: Check {
    static let descriptor = CheckDescriptor(
        id: "session-no-stream-close", severity: .info, spec: "RFC 6120 §4.4",
        rule: "Each side ends the stream with </stream:stream> before the TCP connection goes away, so the other knows the end was intended.",
        hint: "Close the stream with </stream:stream>, wait for the peer's closing tag (or a timeout), then close the TCP connection."
    )

    /// Whether a stream header was seen since the connection became encrypted (TLS that was decrypted).
    private var headerUnderEncryption = false
    /// Whether the connection's TLS stayed opaque (a tls-start record counting bytes no key log
    /// decrypted; none when a key log opened them all, and no count when the proxy terminated TLS).
    private var opaqueTLS = false

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        switch record.event {
        case .streamOpen:
            if session.isEncrypted { headerUnderEncryption = true }
        case .tlsStart:
            if let bytes = record.record.encryptedBytes, bytes.c2s + bytes.s2c > 0 { opaqueTLS = true }
        case .tls:
            if record.record.decrypted == false { opaqueTLS = true }
        default:
            break
        }
    }

    func finish(in session: CheckSession, findings: inout FindingList) {
        // Seen from its start, and seen to end: a capture that stopped first proves nothing.
        guard session.seenFromStart, !session.cutOff else { return }
        // A stream the other side never answered (a refused connection, a BOSH session whose
        // creation failed) was never a conversation to close.
        guard session.streamHeader[.c2s] != nil, session.streamHeader[.s2c] != nil else { return }
        // STARTTLS (or TLS) that was not decrypted: the stream went on inside TLS, unseen.
        if session.isEncrypted && (!headerUnderEncryption || opaqueTLS) { return }
        let missing = [Direction.c2s, .s2c].filter { direction in
            session.streamHeader[direction] != nil && session.streamClosed[direction] == nil
                && !session.hadGap.contains(direction)
        }
        guard !missing.isEmpty else { return }
        let names = missing.map { $0 == .c2s ? "the client (initiating side)" : "the server (receiving side)" }
        let message = names.count == 2
            ? "The connection ended without </stream:stream> from either side."
            : "The connection ended without </stream:stream> from \(names[0])."
        findings.report(Self.descriptor, message + " The last record was #\(session.lastSeq).",
                        about: missing.compactMap { session.streamHeader[$0]?.seq },
                        direction: missing.count == 1 ? missing[0] : nil)
    }
}
