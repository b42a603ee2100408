import Testing
import XMPPBase
@testable import XMPPInspect

@Suite struct MessagePresenceChecksTests {
    static let ids = "message-missing-type,message-invalid-type,presence-invalid-type,presence-invalid-show,message-duplicate-lang,message-reply-without-thread"

    /// The one finding of `stream` with `check` on, checked to be `check` of `severity` about the last stanza.
    @discardableResult
    private func onlyFinding(_ stream: [(Direction?, String)], _ check: String, _ severity: FindingSeverity) throws -> Record {
        let records = try CheckStream.records(stream, checks: check)
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == [check])
        let finding = try #require(findings.first)
        #expect(finding.finding?.severity == severity)
        let last = try #require(records.stanzas.last)
        #expect(finding.about == [last.seq])
        return finding
    }

    private func noFinding(_ stream: [(Direction?, String)], _ check: String) throws {
        #expect(try CheckStream.findings(stream, checks: check).isEmpty)
    }

    private func bound(_ parts: (Direction?, String)...) -> [(Direction?, String)] {
        CheckStream.boundSession() + parts
    }

    // MARK: message-missing-type

    @Test func messageWithBodyAndNoTypeIsInfo() throws {
        try onlyFinding(bound((.c2s, "<message to='romeo@example.net'><body>hi</body></message>")), "message-missing-type", .info)
        try onlyFinding(bound((.s2c, "<message from='romeo@example.net/orchard'><body>hi</body></message>")), "message-missing-type", .info)
    }

    @Test func messageWithTypeOrWithoutBodyIsFine() throws {
        try noFinding(bound((.c2s, "<message to='romeo@example.net' type='chat'><body>hi</body></message>")), "message-missing-type")
        try noFinding(bound((.c2s, "<message to='romeo@example.net'><active xmlns='http://jabber.org/protocol/chatstates'/></message>")), "message-missing-type")
        // An XHTML <body/> is no message body.
        try noFinding(bound((.c2s, "<message to='romeo@example.net'><html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'>hi</body></html></message>")), "message-missing-type")
    }

    @Test func prefixedBodyIsABody() throws {
        // A body in the stanza's namespace under a prefix of its own is still the message's body.
        try onlyFinding(bound((.c2s, "<message to='romeo@example.net'><c:body xmlns:c='jabber:client'>hi</c:body></message>")), "message-missing-type", .info)
        try onlyFinding(bound((.c2s, "<message to='romeo@example.net' type='chat'><c:body xmlns:c='jabber:client'>hi</c:body><body>hello</body></message>")), "message-duplicate-lang", .error)
    }

    // MARK: message-invalid-type

    @Test func unknownMessageTypeIsAnError() throws {
        let finding = try onlyFinding(bound((.c2s, "<message to='romeo@example.net' type='private'><body>hi</body></message>")), "message-invalid-type", .error)
        #expect(finding.finding?.message.contains("'private'") == true)
    }

    @Test func knownMessageTypesAreFine() throws {
        for type in ["chat", "error", "groupchat", "headline", "normal"] {
            try noFinding(bound((.c2s, "<message to='romeo@example.net' type='\(type)'><body>hi</body></message>")), "message-invalid-type")
        }
    }

    // MARK: presence-invalid-type

    @Test func availableIsNotAPresenceType() throws {
        let finding = try onlyFinding(bound((.c2s, "<presence type='available'/>")), "presence-invalid-type", .error)
        #expect(finding.finding?.message.contains("available presence has no type") == true)
        try onlyFinding(bound((.s2c, "<presence from='romeo@example.net' type='subscription'/>")), "presence-invalid-type", .error)
    }

    @Test func knownPresenceTypesAreFine() throws {
        try noFinding(bound((.c2s, "<presence/>")), "presence-invalid-type")
        for type in ["error", "probe", "subscribe", "subscribed", "unavailable", "unsubscribe", "unsubscribed"] {
            try noFinding(bound((.c2s, "<presence to='romeo@example.net' type='\(type)'/>")), "presence-invalid-type")
        }
    }

    // MARK: presence-invalid-show

    @Test func unknownShowIsAnError() throws {
        let finding = try onlyFinding(bound((.c2s, "<presence><show>busy</show><status>in a meeting</status></presence>")), "presence-invalid-show", .error)
        #expect(finding.finding?.message.contains("<show>busy</show>") == true)
        try onlyFinding(bound((.c2s, "<presence><show>online</show></presence>")), "presence-invalid-show", .error)
    }

    @Test func knownShowValuesAreFine() throws {
        for show in ["away", "chat", "dnd", "xa"] {
            try noFinding(bound((.c2s, "<presence><show>\(show)</show></presence>")), "presence-invalid-show")
        }
        try noFinding(bound((.c2s, "<presence><status>show me</status></presence>")), "presence-invalid-show")
    }

    @Test func aSecondShowWithAttributesOrAPrefixIsRead() throws {
        // One plain <show> is read from the bytes; a second one must not be missed for it.
        try onlyFinding(bound((.c2s, "<presence><show>away</show><show xml:lang='en'>busy</show></presence>")), "presence-invalid-show", .error)
        try onlyFinding(bound((.c2s, "<presence><show>away</show><c:show xmlns:c='jabber:client'>busy</c:show></presence>")), "presence-invalid-show", .error)
        try noFinding(bound((.c2s, "<presence><show>away</show><status>busy</status></presence>")), "presence-invalid-show")
    }

    // MARK: message-duplicate-lang

    @Test func twoBodiesInOneLanguageAreAnError() throws {
        try onlyFinding(bound((.c2s, "<message to='romeo@example.net' type='chat'><body>hi</body><body>hello</body></message>")), "message-duplicate-lang", .error)
        // The second body inherits the message's language.
        let finding = try onlyFinding(bound((.c2s, "<message to='romeo@example.net' type='chat' xml:lang='en'><body>hi</body><body xml:lang='EN'>hello</body></message>")), "message-duplicate-lang", .error)
        #expect(finding.finding?.message.contains("xml:lang 'en'") == true)
        try onlyFinding(bound((.c2s, "<message to='romeo@example.net' type='chat'><subject xml:lang='de'>a</subject><subject xml:lang='de'>b</subject><body>x</body></message>")), "message-duplicate-lang", .error)
    }

    @Test func bodiesInDifferentLanguagesAreFine() throws {
        try noFinding(bound((.c2s, "<message to='romeo@example.net' type='chat' xml:lang='en'><body>hi</body><body xml:lang='de'>hallo</body></message>")), "message-duplicate-lang")
        try noFinding(bound((.c2s, "<message to='romeo@example.net' type='chat'><subject>a</subject><body>x</body></message>")), "message-duplicate-lang")
    }

    @Test func streamLanguageIsInherited() throws {
        var stream = CheckStream.boundSession()
        stream[6].1 = stream[6].1.replacingOccurrences(of: "version='1.0'>", with: "version='1.0' xml:lang='en'>")
        try onlyFinding(stream + [(.c2s, "<message to='romeo@example.net' type='chat'><body>hi</body><body xml:lang='en'>hello</body></message>")], "message-duplicate-lang", .error)
        try noFinding(stream + [(.c2s, "<message to='romeo@example.net' type='chat'><body>hi</body><body xml:lang='fr'>salut</body></message>")], "message-duplicate-lang")
    }

    // MARK: message-reply-without-thread

    private let threaded: (Direction?, String) = (.s2c, "<message from='romeo@example.net/orchard' to='juliet@example.com/balcony' type='chat'><body>art thou there?</body><thread>t1</thread></message>")

    @Test func replyWithoutThreadIsAWarning() throws {
        let stream = bound(threaded, (.c2s, "<message to='romeo@example.net/orchard' type='chat'><body>yes</body></message>"),
                           (.c2s, "<message to='romeo@example.net' type='chat'><body>again</body></message>"))
        let records = try CheckStream.records(stream, checks: "message-reply-without-thread")
        let findings = records.filter { $0.event == .finding }
        // Only the first reply counts.
        #expect(findings.findingIDs == ["message-reply-without-thread"])
        let finding = try #require(findings.first)
        #expect(finding.finding?.severity == .warning)
        let messages = records.stanzas.filter { $0.kind == "message" }
        #expect(finding.about == [messages[0].seq, messages[1].seq])
        #expect(finding.direction == .c2s)
    }

    @Test func replyWithThreadIsFine() throws {
        try noFinding(bound(threaded, (.c2s, "<message to='romeo@example.net/orchard' type='chat'><body>yes</body><thread>t1</thread></message>")), "message-reply-without-thread")
        // A new thread is a choice, not a mistake.
        try noFinding(bound(threaded, (.c2s, "<message to='romeo@example.net' type='chat'><body>yes</body><thread>t2</thread></message>")), "message-reply-without-thread")
    }

    @Test func messagesThatAreNoReplyAreFine() throws {
        // To someone else, of another type, or after an unthreaded message from the same sender.
        try noFinding(bound(threaded, (.c2s, "<message to='nurse@example.com' type='chat'><body>he is here</body></message>")), "message-reply-without-thread")
        try noFinding(bound(threaded, (.c2s, "<message to='romeo@example.net' type='normal'><body>a letter</body></message>")), "message-reply-without-thread")
        try noFinding(bound(threaded, (.s2c, "<message from='romeo@example.net/orchard' to='juliet@example.com/balcony' type='chat'><body>never mind</body></message>"),
                            (.c2s, "<message to='romeo@example.net' type='chat'><body>ok</body></message>")), "message-reply-without-thread")
        // Groupchat is not followed.
        try noFinding(bound((.s2c, "<message from='room@muc.example.net/romeo' to='juliet@example.com/balcony' type='groupchat'><body>hi</body><thread>t1</thread></message>"),
                            (.c2s, "<message to='room@muc.example.net' type='groupchat'><body>hi</body></message>")), "message-reply-without-thread")
    }

    // MARK: real traffic

    @Test func realCapturesRaiseNoMessageOrPresenceFindings() throws {
        let findings = try AddressingChecksTests.realCaptureFindings(checks: Self.ids)
        #expect(findings.map { "\($0.file) \($0.id)" } == [], "\(findings.map { "\($0.file): \($0.message)" })")
    }
}
