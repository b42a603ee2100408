import XMPPBase

/// A heuristic: one side got a chat (or normal) message with a `<thread/>` and its next message
/// of that type back to the sender carries no `<thread/>`, so the conversation's thread is lost.
final class MessageReplyWithoutThread: Check {
    static let descriptor = CheckDescriptor(
        id: "message-reply-without-thread", severity: .warning, spec: "RFC 6121 §5.2.5; XEP-0201",
        rule: "A reply to a message that names a <thread/> should repeat that thread, so both sides keep the conversation together.",
        hint: "Copy the <thread/> of the message you answer into the reply (or start a new thread on purpose with a new id)."
    )
    static let interests: CheckInterest = .message

    /// A threaded message waiting for the receiving side's reply.
    private struct Awaited {
        let seq: Int
        let type: String
    }

    /// Per side that owes the reply (the direction it sends in): the threaded messages it got,
    /// by "sender bare JID, NUL, receiver bare JID".
    private var awaited: [Direction: [String: Awaited]] = [:]
    private static let capacity = 10_000

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.isStanza, record.kind == "message" else { return }
        let type = record.type ?? "normal"
        guard type == "chat" || type == "normal", record.mayHaveChild("body") else { return }
        let direction = record.direction
        let mayBeThreaded = record.mayHaveChild("thread")
        let owesReply = awaited[direction].map { !$0.isEmpty } ?? false
        let isOwed = awaited[direction.opposite].map { !$0.isEmpty } ?? false
        guard mayBeThreaded || owesReply || isOwed, let message = record.element,
              message.firstChild("body", namespace: message.namespace) != nil,
              let from = address(record.from, direction == .c2s, session),
              let to = address(record.to, direction == .s2c, session) else { return }
        let thread = mayBeThreaded ? message.firstChild("thread", namespace: message.namespace) : nil
        let hasThread = thread.map { !$0.text.trimmingCharacters(in: " \t\r\n").isEmpty } ?? false

        // As a reply: to A from X, where X got a threaded message from A.
        let replyKey = to + "\u{0}" + from
        if owesReply, let first = awaited[direction]?[replyKey], first.type == type {
            awaited[direction]?[replyKey] = nil
            if !hasThread {
                findings.report(Self.descriptor,
                                "\(record.label) answers \(to) without a <thread/>, though the \(type) message #\(first.seq) it follows named one.",
                                about: [first.seq, record.seq])
            }
        }
        // As a message the other side may answer.
        let receivedKey = from + "\u{0}" + to
        if hasThread {
            if (awaited[direction.opposite]?.count ?? 0) >= Self.capacity { awaited[direction.opposite] = [:] }
            awaited[direction.opposite, default: [:]][receivedKey] = Awaited(seq: record.seq, type: type)
        } else if isOwed {
            // A later message without a thread: a reply to it need not carry one.
            awaited[direction.opposite]?[receivedKey] = nil
        }
    }

    /// The bare JID (for comparing) of `from` or `to`; where it is absent on a client stream,
    /// the client's own JID when `isClientSide` says it is the client's address.
    private func address(_ jid: String?, _ isClientSide: Bool, _ session: CheckSession) -> String? {
        if let jid { return JIDSyntax.comparableBare(jid) }
        guard isClientSide, session.isClientStream, let bound = session.boundJID else { return nil }
        return JIDSyntax.comparableBare(bound)
    }
}
