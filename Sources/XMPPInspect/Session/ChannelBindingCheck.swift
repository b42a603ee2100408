import Foundation
import XMPPTransport

/// Checks a SCRAM-*-PLUS login's channel binding (RFC 5802 §6, RFC 5929, RFC 9266) against the
/// TLS session it runs in, decrypted from a key log: the client-first message names the binding
/// type in its GS2 header, the client-final message carries `c=` (base64 of that header and the
/// binding data), and the data the session should give is computed from its handshake.
struct ChannelBindingCheck {
    /// The session's facts (set when the `tls` record is made).
    var session: TLSSessionInfo?
    /// From the client-first message of a -PLUS mechanism: the GS2 header and its `p=` type.
    private var attempt: (mechanism: String, header: [UInt8], type: String)?
    /// The last verdict, for a SASL failure that follows.
    private(set) var verdict: ChannelBinding?

    /// A client `<auth mechanism='…'>` with its base64 payload.
    mutating func auth(mechanism: String?, payload: String) {
        attempt = nil
        verdict = nil
        guard let mechanism, mechanism.hasSuffix("-PLUS"), let first = Self.decode(payload) else { return }
        // gs2-header = gs2-cbind-flag "," [ authzid ] "," ; gs2-cbind-flag "p=" cb-name
        guard first.starts(with: Array("p=".utf8)), let comma = first.firstIndex(of: UInt8(ascii: ",")),
              let second = first[(comma + 1)...].firstIndex(of: UInt8(ascii: ",")) else { return }
        let type = String(decoding: first[2..<comma], as: UTF8.self)
        attempt = (mechanism, Array(first[...second]), type)
    }

    /// A client `<response>` with its base64 payload: the verdict if it is the client-final message of a -PLUS attempt.
    mutating func response(payload: String) -> ChannelBinding? {
        guard let attempt, let final = Self.decode(payload) else { return nil }
        let text = String(decoding: final, as: UTF8.self)
        guard let cField = text.split(separator: ",").first(where: { $0.hasPrefix("c=") }),
              let sent = Self.decode(String(cField.dropFirst(2))) else { return nil }
        var result = ChannelBinding(type: attempt.type, matches: nil, note: nil)
        if let expected = expectedData(attempt.type) {
            let matches = sent == attempt.header + expected
            result.matches = matches
            if !matches {
                result.note = sent.starts(with: attempt.header)
                    ? "the client's \(attempt.type) binding is not this TLS session's: TLS is terminated somewhere between client and server (a proxy?), or the client computed it wrongly"
                    : "the client's c= does not repeat its GS2 header"
            }
        } else {
            result.note = unavailableReason(attempt.type)
        }
        self.attempt = nil
        verdict = result
        return result
    }

    /// What to tell the user when the server answers a -PLUS attempt with `<failure/>`.
    func failureExplanation() -> String? {
        guard let verdict else { return nil }
        switch verdict.matches {
        case true?: return "the channel binding (\(verdict.type)) was right: the login failed for another reason (credentials, account, mechanism)"
        case false?: return "the channel binding (\(verdict.type)) was wrong: that is why the login failed"
        case nil: return "the channel binding (\(verdict.type)) could not be checked: " + (verdict.note ?? "")
        }
    }

    private func expectedData(_ type: String) -> [UInt8]? {
        guard let session, session.decrypted else { return nil }
        switch type {
        case "tls-unique": return session.tlsUnique
        case "tls-exporter": return session.tlsExporter
        case "tls-server-end-point": return session.certificate?.endPointHash
        default: return nil
        }
    }

    private func unavailableReason(_ type: String) -> String {
        guard let session else { return "no TLS session was decoded on this connection" }
        if !session.decrypted { return "the TLS session was not decrypted" }
        switch type {
        case "tls-unique" where session.version == "TLSv1.3": return "tls-unique is not defined for TLS 1.3"
        case "tls-exporter": return "the key log has no EXPORTER_SECRET for this session (or it is TLS 1.2)"
        case "tls-server-end-point": return "the server certificate was not seen"
        default: return "xmppscope does not know the channel binding type '\(type)'"
        }
    }

    private static func decode(_ base64: String) -> [UInt8]? {
        let trimmed = base64.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed != "=" else { return nil }
        return Data(base64Encoded: trimmed).map { Array($0) }
    }
}
