import Testing
import XMPPBase
@testable import XMPPInspect

/// The stanza error checks: each on a minimal stream that breaks its rule, and on a near-identical
/// one that keeps it.
@Suite struct ErrorChecksTests {
    static let stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas"

    /// A message from Romeo bounced by the server with this `<error/>` (or none).
    static func bounce(_ error: String) -> [(Direction?, String)] {
        CheckStream.boundSession() + [
            (.c2s, "<message type='chat' id='m1' to='romeo@example.net'><body>Art thou there?</body></message>"),
            (.s2c, "<message type='error' id='m1' from='romeo@example.net'>\(error)</message>"),
        ]
    }

    /// The findings of `checks` on `stream`, with the seq of the stanza with id `id` and type error.
    static func findings(_ stream: [(Direction?, String)], checks: String, id: String = "m1") throws -> (findings: [Record], seq: Int) {
        let records = try CheckStream.records(stream, checks: checks)
        let error = try #require(records.stanzas.first { $0.id == id && $0.type == "error" })
        return (records.filter { $0.event == .finding }, error.seq)
    }

    // MARK: error-missing-element

    @Test func errorStanzaWithoutErrorChildIsAnError() throws {
        let (findings, seq) = try Self.findings(Self.bounce(""), checks: "error-missing-element")
        #expect(findings.findingIDs == ["error-missing-element"])
        #expect(findings.first?.finding?.severity == .error)
        #expect(findings.first?.about == [seq])
    }

    @Test func errorStanzaWithErrorChildIsFine() throws {
        let stream = Self.bounce("<error type='cancel'><service-unavailable xmlns='\(Self.stanzas)'/></error>")
        #expect(try CheckStream.findings(stream, checks: "error-missing-element").isEmpty)
    }

    // MARK: error-invalid-type

    @Test func errorWithoutTypeOrWithAnUndefinedOneIsAnError() throws {
        for error in ["<error><item-not-found xmlns='\(Self.stanzas)'/></error>",
                      "<error type='fatal'><item-not-found xmlns='\(Self.stanzas)'/></error>"] {
            let (findings, seq) = try Self.findings(Self.bounce(error), checks: "error-invalid-type")
            #expect(findings.findingIDs == ["error-invalid-type"])
            #expect(findings.first?.finding?.severity == .error)
            #expect(findings.first?.about == [seq])
        }
    }

    @Test func errorOfEveryDefinedTypeIsFine() throws {
        for type in ["auth", "cancel", "continue", "modify", "wait"] {
            let stream = Self.bounce("<error type='\(type)'><undefined-condition xmlns='\(Self.stanzas)'/></error>")
            #expect(try CheckStream.findings(stream, checks: "error-invalid-type").isEmpty)
        }
    }

    // MARK: error-no-condition

    @Test func errorWithoutADefinedConditionIsAnError() throws {
        let cases = [
            ("<error type='cancel' code='404'>Not Found</error>", "legacy code='404' (XEP-0086)"),
            ("<error type='auth'><payment-required xmlns='\(Self.stanzas)'/></error>", "not a condition RFC 6120 defines"),
            ("<error type='cancel'><item-not-found/></error>", "in the namespace 'jabber:client'"),
            ("<error type='cancel'><text xmlns='\(Self.stanzas)'>gone fishing</text></error>", "no defined condition"),
        ]
        for (error, words) in cases {
            let (findings, seq) = try Self.findings(Self.bounce(error), checks: "error-no-condition")
            #expect(findings.findingIDs == ["error-no-condition"])
            #expect(findings.first?.finding?.severity == .error)
            #expect(findings.first?.about == [seq])
            #expect(findings.first?.finding?.message.contains(words) == true, "\(findings.first?.finding?.message ?? "")")
        }
    }

    @Test func errorWithADefinedConditionIsFine() throws {
        // A legacy code and an application condition beside a defined condition are fine.
        let stream = Self.bounce("<error type='cancel' code='404'><text xmlns='\(Self.stanzas)'>no</text>"
            + "<item-not-found xmlns='\(Self.stanzas)'/><gone-fishing xmlns='urn:example:errors'/></error>")
        #expect(try CheckStream.findings(stream, checks: "error-no-condition").isEmpty)
    }

    // MARK: error-condition-type-mismatch

    @Test func conditionWithATypeThatDoesNotFitIsAWarning() throws {
        let stream = Self.bounce("<error type='modify'><item-not-found xmlns='\(Self.stanzas)'/></error>")
        let (findings, seq) = try Self.findings(stream, checks: "error-condition-type-mismatch")
        #expect(findings.findingIDs == ["error-condition-type-mismatch"])
        #expect(findings.first?.finding?.severity == .warning)
        #expect(findings.first?.about == [seq])
        #expect(findings.first?.finding?.message.contains("type 'cancel'") == true)
    }

    @Test func conditionWithItsTypeOrAnAllowedAlternativeIsFine() throws {
        for (condition, type) in [("item-not-found", "cancel"), ("feature-not-implemented", "modify"),
                                  ("unexpected-request", "wait"), ("policy-violation", "wait"),
                                  ("undefined-condition", "continue"), ("service-unavailable", "wait")] {
            let stream = Self.bounce("<error type='\(type)'><\(condition) xmlns='\(Self.stanzas)'/></error>")
            #expect(try CheckStream.findings(stream, checks: "error-condition-type-mismatch").isEmpty, "\(condition) \(type)")
        }
    }

    // MARK: error-reply-to-error

    static let serviceUnavailable = "<error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"

    @Test func errorAnsweringAnErrorIsAnError() throws {
        let stream = CheckStream.boundSession() + [
            (.s2c, "<message type='error' id='e1' from='romeo@example.net/orchard'>\(Self.serviceUnavailable)</message>"),
            (.c2s, "<message type='error' id='e1' to='romeo@example.net'>\(Self.serviceUnavailable)</message>"),
        ]
        let records = try CheckStream.records(stream, checks: "error-reply-to-error")
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["error-reply-to-error"])
        #expect(findings.first?.finding?.severity == .error)
        let errors = records.stanzas.filter { $0.id == "e1" }.map(\.seq)
        #expect(findings.first?.about == errors)
        #expect(findings.first?.direction == .c2s)
    }

    @Test func iqResultAnsweringAnIQErrorIsAnError() throws {
        let stream = CheckStream.boundSession() + [
            (.c2s, "<iq type='get' id='i1' to='example.com'><query xmlns='jabber:iq:version'/></iq>"),
            (.s2c, "<iq type='error' id='i1' from='example.com'>\(Self.serviceUnavailable)</iq>"),
            (.c2s, "<iq type='result' id='i1' to='example.com'/>"),
        ]
        let records = try CheckStream.records(stream, checks: "error-reply-to-error")
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["error-reply-to-error"])
        let seqs = records.stanzas.filter { $0.id == "i1" && $0.type != "get" }.map(\.seq)
        #expect(findings.first?.about == seqs)
    }

    @Test func errorAnsweringANewerStanzaOrARequestIsFine() throws {
        let stream = CheckStream.boundSession() + [
            (.s2c, "<message type='error' id='e1' from='romeo@example.net/orchard'>\(Self.serviceUnavailable)</message>"),
            // Romeo sends a new message with the same id: the client's error answers that one.
            (.s2c, "<message type='chat' id='e1' from='romeo@example.net/orchard'><body>hi</body></message>"),
            (.c2s, "<message type='error' id='e1' to='romeo@example.net/orchard'>\(Self.serviceUnavailable)</message>"),
            // An error received, then a request of the other side with that id, answered.
            (.s2c, "<iq type='error' id='i1' from='example.com'>\(Self.serviceUnavailable)</iq>"),
            (.s2c, "<iq type='get' id='i1' from='example.com'><ping xmlns='urn:xmpp:ping'/></iq>"),
            (.c2s, "<iq type='result' id='i1' to='example.com'/>"),
            // An error to someone else with the id of an error received is no reply to it.
            (.s2c, "<message type='error' id='e2' from='romeo@example.net/orchard'>\(Self.serviceUnavailable)</message>"),
            (.c2s, "<message type='error' id='e2' to='mercutio@example.org'>\(Self.serviceUnavailable)</message>"),
        ]
        #expect(try CheckStream.findings(stream, checks: "error-reply-to-error").isEmpty)
    }

    @Test func everyErrorHeldIsFoundWhenAnswered() throws {
        // Errors under 300 ids of every length from 1 to 12 and many first and last bytes are
        // held at once (the check looks up only ids whose mark is set); each answered gives one finding.
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789-_.ABCDEFGHIJ")
        let ids = (0..<300).map { index in
            String((0...(index % 12)).map { alphabet[($0 * 7 + index) % alphabet.count] }) + "\(index)"
        }
        #expect(Set(ids).count == ids.count)
        let received: [(Direction?, String)] = ids.map { (.s2c, "<message type='error' id='\($0)' from='romeo@example.net/orchard'>\(Self.serviceUnavailable)</message>") }
        // Stanzas that answer none of them in between: other ids, and a request.
        let unrelated: [(Direction?, String)] = (0..<50).map { (.c2s, "<message type='chat' id='x\($0)' to='romeo@example.net'><body>hi</body></message>") }
        let answers: [(Direction?, String)] = ids.map { (.c2s, "<message type='error' id='\($0)' to='romeo@example.net'>\(Self.serviceUnavailable)</message>") }
        let findings = try CheckStream.findings(CheckStream.boundSession() + received + unrelated + answers, checks: "error-reply-to-error")
        #expect(findings.count == ids.count)
        #expect(findings.allSatisfy { $0.finding?.id == "error-reply-to-error" })
    }

    @Test func idsEqualAsStringsButNotAsBytesStillMatch() throws {
        // 'café' with a precomposed é, answered under 'café' with e and a combining accent: Swift
        // strings compare them equal, as the check always has; the mark of an id that is not
        // ASCII must not rule the answer out.
        let stream = CheckStream.boundSession() + [
            (.s2c, "<message type='error' id='caf\u{E9}' from='romeo@example.net/orchard'>\(Self.serviceUnavailable)</message>"),
            (.c2s, "<message type='error' id='cafe\u{301}' to='romeo@example.net'>\(Self.serviceUnavailable)</message>"),
        ]
        #expect(try CheckStream.findings(stream, checks: "error-reply-to-error").findingIDs == ["error-reply-to-error"])
    }

    // MARK: real captures

    @Test func errorChecksOnEveryCapture() throws {
        let findings = try CheckCaptures.findings(checks: "error-missing-element,error-invalid-type,error-no-condition,error-condition-type-mismatch,error-reply-to-error")
        #expect(findings == [])
    }
}
