import Foundation
import Testing
import XMPPBase
@testable import XMPPInspect

@Suite struct AddressingChecksTests {
    static let ids = "client-from-mismatch,client-from-set,jid-malformed,stanza-before-bind"

    /// The one finding of `stream` with `checks` on, checked to be `id` of `severity` about the last stanza.
    private func onlyFinding(_ stream: [(Direction?, String)], _ id: String, _ severity: FindingSeverity) throws -> Record {
        let records = try CheckStream.records(stream, checks: id)
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == [id])
        let finding = try #require(findings.first)
        #expect(finding.finding?.severity == severity)
        let last = try #require(records.stanzas.last)
        #expect(finding.about == [last.seq])
        return finding
    }

    // MARK: client-from-mismatch

    @Test func fromOtherThanTheBoundJIDIsAnError() throws {
        let stream = CheckStream.boundSession()
            + [(.c2s, "<message from='juliet@example.com/garden' to='romeo@example.net' type='chat'><body>hi</body></message>")]
        let finding = try onlyFinding(stream, "client-from-mismatch", .error)
        #expect(finding.finding?.message.contains("juliet@example.com/balcony") == true)
    }

    @Test func resourceIsComparedExactly() throws {
        let stream = CheckStream.boundSession()
            + [(.c2s, "<message from='juliet@example.com/Balcony' to='romeo@example.net' type='chat'><body>hi</body></message>")]
        _ = try onlyFinding(stream, "client-from-mismatch", .error)
    }

    @Test func boundJIDInOtherCaseIsNoMismatch() throws {
        let stream = CheckStream.boundSession()
            + [(.c2s, "<message from='Juliet@EXAMPLE.com/balcony' to='romeo@example.net' type='chat'><body>hi</body></message>")]
        #expect(try CheckStream.findings(stream, checks: "client-from-mismatch").isEmpty)
    }

    @Test func fromBeforeBindingIsNotJudgedByFromChecks() throws {
        let stream = Array(CheckStream.boundSession().dropLast(2))
            + [(.c2s, "<iq type='get' id='d1' from='someone@example.org/x' to='example.com'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")]
        #expect(try CheckStream.findings(stream, checks: "client-from-mismatch,client-from-set").isEmpty)
    }

    @Test func fromOnServerSentStanzasIsNotJudged() throws {
        let stream = CheckStream.boundSession()
            + [(.s2c, "<message from='romeo@example.net/orchard' to='juliet@example.com/balcony' type='chat'><body>hi</body></message>")]
        #expect(try CheckStream.findings(stream, checks: "client-from-mismatch,client-from-set").isEmpty)
    }

    // MARK: client-from-set

    @Test func fromEqualToTheBoundJIDIsAWarning() throws {
        let stream = CheckStream.boundSession()
            + [(.c2s, "<message from='juliet@example.com/balcony' to='romeo@example.net' type='chat'><body>hi</body></message>")]
        _ = try onlyFinding(stream, "client-from-set", .warning)
        #expect(try CheckStream.findings(stream, checks: "client-from-mismatch").isEmpty)
    }

    @Test func bareFromOnASubscriptionIsTheServersStampToo() throws {
        let stream = CheckStream.boundSession()
            + [(.c2s, "<presence from='juliet@example.com' to='romeo@example.net' type='subscribe'/>")]
        _ = try onlyFinding(stream, "client-from-set", .warning)
        #expect(try CheckStream.findings(stream, checks: "client-from-mismatch").isEmpty)
    }

    @Test func bareFromOnAMessageIsAMismatch() throws {
        let stream = CheckStream.boundSession()
            + [(.c2s, "<message from='juliet@example.com' to='romeo@example.net' type='chat'><body>hi</body></message>")]
        _ = try onlyFinding(stream, "client-from-mismatch", .error)
        #expect(try CheckStream.findings(stream, checks: "client-from-set").isEmpty)
    }

    @Test func noFromIsFine() throws {
        let stream = CheckStream.boundSession()
            + [(.c2s, "<message to='romeo@example.net' type='chat'><body>hi</body></message>")]
        #expect(try CheckStream.findings(stream, checks: "client-from-mismatch,client-from-set").isEmpty)
    }

    // MARK: jid-malformed

    @Test(arguments: [
        ("@example.com", "localpart before '@' is empty"),
        ("juliet@example.com/", "resource after '/' is empty"),
        ("juliet@", "domain is empty"),
        ("/balcony", "domain is empty"),
        ("jul iet@example.com", "forbidden character space"),
        ("jul&iet@example.com", "forbidden character '&'"),
        ("jul:iet@example.com", "forbidden character ':'"),
        ("a@b@example.com", "domain contains '@'"),
        ("juliet@exa mple.com", "domain contains a space"),
        ("juliet@example.com/bal\u{1}cony", "resource contains a control character"),
        ("juliet@exa\u{85}mple.com", "domain contains a control character"),
        (String(repeating: "a", count: 1024) + "@example.com", "localpart is 1024 bytes"),
        ("juliet@example.com/" + String(repeating: "r", count: 1024), "resource is 1024 bytes"),
        (String(repeating: "d", count: 1024), "domain is 1024 bytes"),
    ])
    func brokenJIDsAreNamed(jid: String, problem: String) {
        let found = JIDSyntax.problem(in: jid)
        #expect(found?.contains(problem) == true, "\(jid): \(found ?? "nil")")
    }

    @Test(arguments: [
        "example.com", "example.com.", "juliet@example.com", "juliet@example.com/balcony",
        "juliet@example.com/a room with spaces/and@slash", "[::1]", "juliet@192.0.2.1/r",
        "jüliet@exämple.com/ŕ", String(repeating: "a", count: 1023) + "@example.com",
    ])
    func validJIDsPass(jid: String) {
        #expect(JIDSyntax.problem(in: jid) == nil)
    }

    @Test func jidComparisonIgnoresCaseOutsideTheResource() {
        #expect(JIDSyntax.same("Juliet@Example.COM./balcony", "juliet@example.com/balcony"))
        #expect(!JIDSyntax.same("juliet@example.com/Balcony", "juliet@example.com/balcony"))
        #expect(!JIDSyntax.same("juliet@example.com", "juliet@example.com/balcony"))
    }

    @Test func malformedToOnAStanzaIsAnError() throws {
        let stream = CheckStream.boundSession()
            + [(.c2s, "<message to='@example.net' type='chat'><body>hi</body></message>")]
        let finding = try onlyFinding(stream, "jid-malformed", .error)
        #expect(finding.finding?.message.contains("to='@example.net'") == true)
    }

    @Test func malformedFromFromTheServerIsAnErrorToo() throws {
        let stream = CheckStream.boundSession()
            + [(.s2c, "<presence from='romeo@example.net/' to='juliet@example.com/balcony'/>")]
        let finding = try onlyFinding(stream, "jid-malformed", .error)
        #expect(finding.direction == .s2c)
    }

    @Test func wellFormedAddressesAreFine() throws {
        let stream = CheckStream.boundSession()
            + [(.c2s, "<message to='romeo@example.net' type='chat'><body>hi</body></message>"),
               (.s2c, "<presence from='romeo@example.net/orchard' to='juliet@example.com/balcony'/>")]
        #expect(try CheckStream.findings(stream, checks: "jid-malformed").isEmpty)
    }

    @Test func malformedStreamHeaderAddressIsAnError() throws {
        let stream: [(Direction?, String)] = [
            (.c2s, "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='exa mple.com' version='1.0'>"),
        ]
        let records = try CheckStream.records(stream, checks: "jid-malformed")
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["jid-malformed"])
        let header = try #require(records.first { $0.event == .streamOpen })
        #expect(findings.first?.about == [header.seq])
        let good = [(Direction.c2s as Direction?, stream[0].1.replacingOccurrences(of: "exa mple.com", with: "example.com"))]
        #expect(try CheckStream.findings(good, checks: "jid-malformed").isEmpty)
    }

    // MARK: stanza-before-bind

    /// A session authenticated and with a new stream offering binding, but nothing bound yet.
    private var authenticated: [(Direction?, String)] { Array(CheckStream.boundSession().dropLast(2)) }

    @Test func stanzaToOthersBetweenAuthenticationAndBindingIsAnError() throws {
        let stream = authenticated + [(.c2s, "<message to='romeo@example.net' type='chat'><body>hi</body></message>")]
        _ = try onlyFinding(stream, "stanza-before-bind", .error)
    }

    @Test func sameStanzaAfterBindingIsFine() throws {
        let stream = CheckStream.boundSession() + [(.c2s, "<message to='romeo@example.net' type='chat'><body>hi</body></message>")]
        #expect(try CheckStream.findings(stream, checks: "stanza-before-bind").isEmpty)
    }

    @Test func stanzaPipelinedBehindTheBindRequestIsFine() throws {
        let bound = CheckStream.boundSession()
        let stream = Array(bound.dropLast(1))
            + [(.c2s, "<presence/><message to='romeo@example.net' type='chat'><body>hi</body></message>"), bound.last!]
        #expect(try CheckStream.findings(stream, checks: "stanza-before-bind").isEmpty)
    }

    @Test func stanzaToTheServerOrOwnAccountBeforeBindingIsFine() throws {
        let stream = authenticated + [
            (.c2s, "<iq type='get' id='d1' to='example.com'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"),
            (.c2s, "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>"),
        ]
        #expect(try CheckStream.findings(stream, checks: "stanza-before-bind").isEmpty)
    }

    @Test func stanzaBeforeAuthenticationIsAnError() throws {
        let stream = Array(CheckStream.boundSession().prefix(2))
            + [(.c2s, "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>")]
        let finding = try onlyFinding(stream, "stanza-before-bind", .error)
        #expect(finding.finding?.message.contains("before the client authenticated") == true)
    }

    @Test func registrationBeforeAuthenticationIsFine() throws {
        let stream = Array(CheckStream.boundSession().prefix(2))
            + [(.c2s, "<iq type='get' id='reg1'><query xmlns='jabber:iq:register'/></iq>")]
        #expect(try CheckStream.findings(stream, checks: "stanza-before-bind").isEmpty)
    }

    @Test func legacyAuthenticationIsNotJudged() throws {
        // XEP-0078: the session facts do not follow it, so what comes after it is not judged.
        let stream = Array(CheckStream.boundSession().prefix(2)) + [
            (.c2s, "<iq type='set' id='auth1'><query xmlns='jabber:iq:auth'><username>juliet</username><password>pw</password><resource>balcony</resource></query></iq>"),
            (.s2c, "<iq type='result' id='auth1'/>"),
            (.c2s, "<message to='romeo@example.net' type='chat'><body>hi</body></message>"),
        ]
        #expect(try CheckStream.findings(stream, checks: "stanza-before-bind").isEmpty)
    }

    @Test func captureStartingAtTheRestartAfterAuthenticationIsNotJudged() throws {
        // The first header seen is the one after SASL: no offer of SASL, so authentication is unseen, not absent.
        let stream = Array(CheckStream.boundSession()[6...7])
            + [(.c2s, "<message to='romeo@example.net' type='chat'><body>hi</body></message>")]
        #expect(try CheckStream.findings(stream, checks: "stanza-before-bind").isEmpty)
    }

    @Test func midStreamCaptureIsNotJudged() throws {
        // No stream header seen: the phases are unknown.
        let stream: [(Direction?, String)] = [(.c2s, "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>")]
        #expect(try CheckStream.findings(stream, checks: "stanza-before-bind").isEmpty)
    }

    @Test func componentOpeningAsAClientIsNotJudged() throws {
        // A component that declares jabber:client, answered in jabber:component:accept, authenticated by handshake.
        let stream: [(Direction?, String)] = [
            (.c2s, "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='bot.example.com' version='1.0'>"),
            (.s2c, "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' from='bot.example.com' id='c1'>"),
            (.c2s, "<handshake>aaf01</handshake>"),
            (.s2c, "<handshake/>"),
            (.c2s, "<presence from='bot.example.com' to='presence@internal'/>"),
        ]
        #expect(try CheckStream.findings(stream, checks: "stanza-before-bind").isEmpty)
    }

    /// A SASL2 session whose success binds inline (Bind 2) when `bound`.
    private func sasl2Session(bound: Bool) -> [(Direction?, String)] {
        [
            (.c2s, "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>"),
            (.s2c, "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.com' id='s1' version='1.0'>"
                + "<stream:features><authentication xmlns='urn:xmpp:sasl:2'><mechanism>PLAIN</mechanism><inline><bind xmlns='urn:xmpp:bind:0'/></inline></authentication></stream:features>"),
            (.c2s, "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='PLAIN'><initial-response>AGp1bGlldABwdw==</initial-response><bind xmlns='urn:xmpp:bind:0'><tag>app</tag></bind></authenticate>"),
            (.s2c, "<success xmlns='urn:xmpp:sasl:2'><authorization-identifier>juliet@example.com/app.x1</authorization-identifier>"
                + (bound ? "<bound xmlns='urn:xmpp:bind:0'/>" : "") + "</success>"),
            (.c2s, "<message to='romeo@example.net' type='chat'><body>hi</body></message>"),
        ]
    }

    @Test func sasl2InlineBindCountsAsBinding() throws {
        #expect(try CheckStream.findings(sasl2Session(bound: true), checks: "stanza-before-bind").isEmpty)
    }

    @Test func sasl2WithoutBindIsNotBound() throws {
        _ = try onlyFinding(sasl2Session(bound: false), "stanza-before-bind", .error)
    }

    @Test func resumedStreamCountsAsBound() throws {
        // The stream resumed is from a connection not seen here: its JID is unknown, but resumed it is.
        let stream = authenticated + [
            (.c2s, "<resume xmlns='urn:xmpp:sm:3' previd='old1' h='0'/>"),
            (.s2c, "<resumed xmlns='urn:xmpp:sm:3' previd='old1' h='0'/>"),
            (.c2s, "<message to='romeo@example.net' type='chat'><body>hi</body></message>"),
        ]
        #expect(try CheckStream.findings(stream, checks: "stanza-before-bind").isEmpty)
        let failed = authenticated + [
            (.c2s, "<resume xmlns='urn:xmpp:sm:3' previd='old1' h='0'/>"),
            (.s2c, "<failed xmlns='urn:xmpp:sm:3'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>"),
            (.c2s, "<message to='romeo@example.net' type='chat'><body>hi</body></message>"),
        ]
        _ = try onlyFinding(failed, "stanza-before-bind", .error)
    }

    // MARK: real traffic

    @Test func realCapturesRaiseOnlyTheAddressingFindingsTheyDeserve() throws {
        let findings = try Self.realCaptureFindings(checks: Self.ids)
        let expected = [
            // The answering server's stream header says to='' (the initiating server sent no
            // 'from'): an empty string is no JID; RFC 6120 §4.7.2 wants the attribute left out.
            RealCaptureFinding(file: "zeek-xmpp-dialback-starttls.pcap", id: "jid-malformed",
                               message: "stream header #2: to='' is not a valid JID: the domain is empty."),
        ]
        #expect(findings == expected, "\(findings.map { "\($0.file): \($0.message)" })")
    }

    // MARK: real captures, shared with MessagePresenceChecksTests

    /// A finding some real capture raised: the file, the check and what it said.
    struct RealCaptureFinding: Equatable {
        let file: String
        let id: String
        let message: String
    }

    /// Replays every capture in `captures/` (with its key log where one lies beside it) and in the
    /// shared public captures, with `checks` on, and returns the findings.
    static func realCaptureFindings(checks: String) throws -> [RealCaptureFinding] {
        let fileManager = FileManager.default
        var paths: [(name: String, path: String, keys: [String])] = []
        let own = repositoryRoot.appendingPathComponent("captures")
        for name in try fileManager.contentsOfDirectory(atPath: own.path).sorted() where name.hasSuffix(".pcap") && name != "c2s-misbehaving.pcap" {
            let path = own.appendingPathComponent(name).path
            let keys = String(path.dropLast(".pcap".count)) + ".keys"
            paths.append((name, path, fileManager.fileExists(atPath: keys) ? [keys] : []))
        }
        let shared = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/captures-public")
        if let names = try? fileManager.contentsOfDirectory(atPath: shared.path) {
            for name in names.sorted() where name.hasSuffix(".pcap") && name != "c2s-misbehaving.pcap" {
                paths.append((name, shared.appendingPathComponent(name).path, []))
            }
        }
        var found: [RealCaptureFinding] = []
        for (name, path, keys) in paths {
            let options = InspectorOptions(keepsElements: false, checks: try CheckSelection(parsing: checks))
            for record in try replayRecords(path, options: options, keyLogs: keys) where record.event == .finding {
                found.append(RealCaptureFinding(file: name, id: record.finding?.id ?? "", message: record.finding?.message ?? ""))
            }
        }
        return found
    }
}
