import XMPPBase

/// A client that went available and closed its stream without `<presence type='unavailable'/>`
/// first: its contacts learn it left only when the server notices.
final class StreamSessionNoUnavailable: Check {
    static let descriptor = CheckDescriptor(
        id: "session-no-unavailable", severity: .info, spec: "RFC 6121 §4.5.1",
        rule: "A client that sent available presence sends unavailable presence before it closes its stream, so its contacts see it go offline.",
        hint: "Send <presence type='unavailable'/> (optionally with a <status/>) just before </stream:stream>."
    )

    /// Whether the server sent a stream error (then the session ended because of it, not by the client's choice).
    private var serverStreamError = false

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        if record.event == .streamError && record.direction == .s2c { serverStreamError = true }
        guard record.event == .streamClose, record.direction == .c2s, session.isClientStream,
              !session.hadGap.contains(.c2s), !serverStreamError,
              let presence = session.lastBroadcastPresence, presence.type == nil else { return }
        findings.report(Self.descriptor,
                        "The client closed its stream (\(record.label)) after available presence #\(presence.seq) without sending <presence type='unavailable'/> first.",
                        about: [presence.seq, record.seq])
    }

    func finish(in session: CheckSession, findings: inout FindingList) {
        // Without the client's </stream:stream>, only a session the server closed has certainly
        // ended: a capture can stop while the client is still online.
        guard session.streamClosed[.c2s] == nil, let close = session.streamClosed[.s2c], session.isClientStream,
              !session.hadGap.contains(.c2s), !serverStreamError,
              let presence = session.lastBroadcastPresence, presence.type == nil, presence.seq < close else { return }
        findings.report(Self.descriptor,
                        "The session ended (the server closed its stream, </stream:stream> #\(close)) while the client's last presence was available (#\(presence.seq)): it never sent <presence type='unavailable'/> nor closed its own stream.",
                        about: [presence.seq, close], direction: .c2s)
    }
}
