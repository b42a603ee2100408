import Crypto
import Foundation
import XMPPBase

/// XEP-0474 (SASL SCRAM Downgrade Protection): the SCRAM server-first message carries a hash of
/// the mechanisms and channel-binding types the server advertised; it must equal the hash of what
/// the client saw in the stream features, or the features were changed on the way.
final class SASLSSDPMismatch: Check {
    static let descriptor = CheckDescriptor(
        id: "ssdp-mismatch", severity: .error, spec: "XEP-0474 §6.1",
        rule: "The downgrade-protection hash in the SCRAM server-first message equals the hash (with the SCRAM mechanism's hash function) of the sorted mechanism list, and the sorted channel-binding types, that the client was offered on this stream.",
        hint: "If nothing sits between client and server, fix the server's hash input: exactly the mechanisms (of the SASL profile in use) and XEP-0440 channel-binding types it advertised on this stream, sorted by octet, with the delimiters of the XEP version it implements. Otherwise find out who edited the stream features."
    )
    static let interests: CheckInterest = .nonza

    /// The client's SCRAM `<auth>`/`<authenticate>` waiting for its first challenge.
    private var pending: (mechanism: String, sasl2: Bool, seq: Int)?

    func examine(_ record: CheckedRecord, in session: CheckSession, findings: inout FindingList) {
        guard record.event == .nonza else { return }
        switch (record.kind, record.direction) {
        case ("auth"?, .c2s), ("authenticate"?, .c2s):
            let sasl2 = record.kind == "authenticate"
            guard record.record.namespaces.first == (sasl2 ? CheckNamespace.sasl2 : XMPPNamespace.sasl) else { return }
            pending = record[attribute: "mechanism"].flatMap { mechanism in
                Self.hashFunction(mechanism) == nil ? nil : (mechanism, sasl2, record.seq)
            }
        case ("challenge"?, .s2c):
            guard let attempt = pending,
                  record.record.namespaces.first == (attempt.sasl2 ? CheckNamespace.sasl2 : XMPPNamespace.sasl) else { return }
            // Only the first challenge is the server-first message (later ones belong to SASL2 tasks).
            pending = nil
            check(record, attempt: attempt, session: session, findings: &findings)
        default:
            break
        }
    }

    private func check(_ record: CheckedRecord, attempt: (mechanism: String, sasl2: Bool, seq: Int),
                       session: CheckSession, findings: inout FindingList) {
        guard let mechanisms = attempt.sasl2 ? session.offeredSASL2Mechanisms : session.offeredMechanisms,
              let text = record.element?.text,
              let payload = Data(base64Encoded: text.filter { !$0.isWhitespace }),
              let serverFirst = String(data: payload, encoding: .utf8),
              let hash = Self.hashFunction(attempt.mechanism) else { return }
        // XEP-0474 0.4.0 and later: attribute h, delimiters 0x1E and 0x1F; 0.3.x: attribute d, ',' and '|'.
        var sent: (name: Character, value: String)?
        for attribute in serverFirst.split(separator: ",") {
            if attribute.hasPrefix("h=") { sent = ("h", String(attribute.dropFirst(2))) }
            else if attribute.hasPrefix("d="), sent == nil { sent = ("d", String(attribute.dropFirst(2))) }
        }
        guard let sent else { return }
        let current = sent.name == "h"
        let input = Self.hashInput(mechanisms: mechanisms, channelBindings: session.offeredChannelBindings,
                                   separator: current ? "\u{1E}" : ",", groupSeparator: current ? "\u{1F}" : "|")
        let expected = hash(Data(input.utf8))
        if let received = Data(base64Encoded: sent.value), received == expected { return }
        if sent.value == expected.base64EncodedString() { return }
        let shown = input.replacingOccurrences(of: "\u{1E}", with: "\\x1E").replacingOccurrences(of: "\u{1F}", with: "\\x1F")
        let bindings = session.offeredChannelBindings.map { $0.joined(separator: ", ") } ?? "none announced"
        findings.report(Self.descriptor,
                        "\(record.label), the SCRAM server-first message for \(attempt.mechanism) (<\(attempt.sasl2 ? "authenticate" : "auth")> #\(attempt.seq)), carries \(sent.name)='\(sent.value)', "
                            + "but the client was offered mechanisms \(mechanisms.joined(separator: ", ")) and channel bindings \(bindings), whose hash is '\(expected.base64EncodedString())' (over '\(shown)'). "
                            + "Either the stream features were changed between server and client (a downgrade attack, or an intercepting proxy that edited them), or the server hashes a list other than the one it advertised.",
                        about: (session.featuresSeq.map { [$0] } ?? []) + [attempt.seq, record.seq])
    }

    /// The string XEP-0474 hashes: the mechanisms sorted by octet and joined, then, when XEP-0440
    /// announced channel bindings, the group separator and the sorted binding types.
    static func hashInput(mechanisms: [String], channelBindings: [String]?, separator: String, groupSeparator: String) -> String {
        let byOctet: (String, String) -> Bool = { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var input = mechanisms.sorted(by: byOctet).joined(separator: separator)
        if let channelBindings {
            input += groupSeparator + channelBindings.sorted(by: byOctet).joined(separator: separator)
        }
        return input
    }

    /// The hash function of a SCRAM mechanism (RFC 5802, RFC 7677), nil for others.
    static func hashFunction(_ mechanism: String) -> ((Data) -> Data)? {
        var name = Substring(mechanism)
        if name.hasSuffix("-PLUS") { name = name.dropLast(5) }
        switch name {
        case "SCRAM-SHA-1": return { Data(Insecure.SHA1.hash(data: $0)) }
        case "SCRAM-SHA-256": return { Data(SHA256.hash(data: $0)) }
        case "SCRAM-SHA-512": return { Data(SHA512.hash(data: $0)) }
        default: return nil
        }
    }
}
