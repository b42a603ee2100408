import Foundation
import Testing
import XMPPTransport
@testable import XMPPInspect

/// SCRAM-*-PLUS channel binding checked against a decrypted TLS session's data.
@Suite("Channel binding checks")
struct ChannelBindingCheckTests {
    private let exporter: [UInt8] = (0..<32).map { UInt8($0 * 7 & 0xFF) }
    private let finished: [UInt8] = Array(repeating: 0xA5, count: 12)

    private func session(version: String = "TLSv1.3", decrypted: Bool = true) -> TLSSessionInfo {
        var info = TLSSessionInfo()
        info.version = version
        info.decrypted = decrypted
        info.tlsExporter = version == "TLSv1.3" ? exporter : nil
        info.tlsUnique = version == "TLSv1.2" ? finished : nil
        return info
    }

    private func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    /// The client-final message of a SCRAM exchange whose `c=` carries `header` and `data`.
    private func clientFinal(header: String, data: [UInt8]) -> String {
        let c = Data(Array(header.utf8) + data).base64EncodedString()
        return base64("c=\(c),r=clientnonceservernonce,p=cHJvb2Y=")
    }

    @Test("tls-exporter and tls-unique bindings that carry the session's data match; others do not")
    func verdicts() {
        let cases: [(version: String, type: String, data: [UInt8], matches: Bool)] = [
            ("TLSv1.3", "tls-exporter", exporter, true),
            ("TLSv1.3", "tls-exporter", Array(exporter.reversed()), false),
            ("TLSv1.2", "tls-unique", finished, true),
            ("TLSv1.2", "tls-unique", Array(repeating: 0, count: 12), false),
        ]
        var checked = 0
        for (version, type, data, matches) in cases {
            var check = ChannelBindingCheck()
            check.session = session(version: version)
            check.auth(mechanism: "SCRAM-SHA-256-PLUS", payload: base64("p=\(type),,n=alice,r=clientnonce"))
            let verdict = check.response(payload: clientFinal(header: "p=\(type),,", data: data))
            #expect(verdict?.type == type)
            #expect(verdict?.matches == matches, "\(type) with \(matches ? "the right" : "wrong") data")
            #expect((verdict?.note == nil) == matches)
            let explanation = check.failureExplanation() ?? ""
            #expect(explanation.contains(matches ? "was right" : "was wrong"))
            checked += 1
        }
        #expect(checked == 4)
    }

    @Test("no verdict without -PLUS; not checked when the session was not decrypted or the type is undefined")
    func unchecked() {
        var plain = ChannelBindingCheck()
        plain.session = session()
        plain.auth(mechanism: "SCRAM-SHA-1", payload: base64("n,,n=alice,r=nonce"))
        #expect(plain.response(payload: clientFinal(header: "n,,", data: [])) == nil)

        var notDecrypted = ChannelBindingCheck()
        notDecrypted.session = session(decrypted: false)
        notDecrypted.auth(mechanism: "SCRAM-SHA-1-PLUS", payload: base64("p=tls-exporter,,n=alice,r=nonce"))
        let unknown = notDecrypted.response(payload: clientFinal(header: "p=tls-exporter,,", data: exporter))
        #expect(unknown?.matches == nil)
        #expect(unknown?.note?.contains("not decrypted") == true)

        var uniqueOn13 = ChannelBindingCheck()
        uniqueOn13.session = session(version: "TLSv1.3")
        uniqueOn13.auth(mechanism: "SCRAM-SHA-1-PLUS", payload: base64("p=tls-unique,,n=alice,r=nonce"))
        let undefined = uniqueOn13.response(payload: clientFinal(header: "p=tls-unique,,", data: finished))
        #expect(undefined?.matches == nil)
        #expect(undefined?.note?.contains("not defined for TLS 1.3") == true)
    }
}
