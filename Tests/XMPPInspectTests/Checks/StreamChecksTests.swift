import Foundation
import Testing
import XMPPBase
@testable import XMPPInspect

/// Stream checks: headers (version, namespaces), how a session ends, and data after the close.
@Suite struct StreamChecksTests {
    static let clientHeader = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>"
    static let serverHeader = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.com' id='s1' version='1.0'>"

    /// The stream header records of `records`, in order.
    static func headers(_ records: [Record]) -> [Record] { records.filter { $0.event == .streamOpen } }

    // MARK: stream-header-version

    @Test func clientHeaderWithoutVersionIsAWarning() throws {
        let stream: [(Direction?, String)] = [
            (.c2s, Self.clientHeader.replacingOccurrences(of: " version='1.0'>", with: ">")),
            // The server rightly leaves the version out in answer: no finding about its header.
            (.s2c, Self.serverHeader.replacingOccurrences(of: " version='1.0'>", with: ">")),
        ]
        let records = try CheckStream.records(stream, checks: "stream-header-version")
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["stream-header-version"])
        #expect(findings.first?.finding?.severity == .warning)
        #expect(findings.first?.about == [Self.headers(records)[0].seq])
        #expect(findings.first?.direction == .c2s)
    }

    @Test func serverHeaderWithoutVersionAfterA10HeaderIsAWarning() throws {
        let stream: [(Direction?, String)] = [
            (.c2s, Self.clientHeader),
            (.s2c, Self.serverHeader.replacingOccurrences(of: "version='1.0'", with: "version='0.9'")),
        ]
        let records = try CheckStream.records(stream, checks: "stream-header-version")
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["stream-header-version"])
        #expect(findings.first?.about == [Self.headers(records)[1].seq])
        #expect(findings.first?.direction == .s2c)
    }

    @Test func headersWithVersionAreFine() throws {
        #expect(try CheckStream.findings(CheckStream.boundSession() + CheckStream.politeEnd, checks: "stream-header-version").isEmpty)
    }

    // MARK: stream-header-namespace

    @Test func unknownContentNamespaceIsAnError() throws {
        let stream: [(Direction?, String)] = [
            (.c2s, Self.clientHeader.replacingOccurrences(of: "xmlns='jabber:client'", with: "xmlns='jabber:clinet'")),
        ]
        let records = try CheckStream.records(stream, checks: "stream-header-namespace")
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["stream-header-namespace"])
        #expect(findings.first?.finding?.severity == .error)
        #expect(findings.first?.about == [Self.headers(records)[0].seq])
        #expect(findings.first?.finding?.message.contains("jabber:clinet") == true)
    }

    @Test func wrongStreamNamespaceIsAnError() throws {
        let stream: [(Direction?, String)] = [
            (.c2s, Self.clientHeader.replacingOccurrences(of: "http://etherx.jabber.org/streams", with: "http://etherx.jabber.org/stream")),
        ]
        let findings = try CheckStream.findings(stream, checks: "stream-header-namespace")
        #expect(findings.findingIDs == ["stream-header-namespace"])
        #expect(findings.first?.finding?.message.contains("'http://etherx.jabber.org/stream',") == true)
    }

    @Test func sidesWithDifferentContentNamespacesAreAnError() throws {
        let stream: [(Direction?, String)] = [
            (.c2s, Self.clientHeader),
            (.s2c, Self.serverHeader.replacingOccurrences(of: "xmlns='jabber:client'", with: "xmlns='jabber:server'")),
        ]
        let records = try CheckStream.records(stream, checks: "stream-header-namespace")
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["stream-header-namespace"])
        #expect(findings.first?.about == Self.headers(records).map(\.seq))
        #expect(findings.first?.direction == .s2c)
    }

    @Test func matchingNamespacesAreFine() throws {
        #expect(try CheckStream.findings(CheckStream.boundSession() + CheckStream.politeEnd, checks: "stream-header-namespace").isEmpty)
        let component: [(Direction?, String)] = [
            (.c2s, Self.clientHeader.replacingOccurrences(of: "jabber:client", with: "jabber:component:accept")),
            (.s2c, Self.serverHeader.replacingOccurrences(of: "jabber:client", with: "jabber:component:accept")),
        ]
        #expect(try CheckStream.findings(component, checks: "stream-header-namespace").isEmpty)
    }

    // MARK: session-no-unavailable

    @Test func closingWhileAvailableIsInfo() throws {
        let stream = CheckStream.boundSession() + [
            (.c2s, "<presence/>"),
            (.c2s, "</stream:stream>"),
            (.s2c, "</stream:stream>"),
        ]
        let records = try CheckStream.records(stream, checks: "session-no-unavailable")
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["session-no-unavailable"])
        #expect(findings.first?.finding?.severity == .info)
        let presence = try #require(records.stanzas.last { $0.kind == "presence" })
        let close = try #require(records.first { $0.event == .streamClose && $0.direction == .c2s })
        #expect(findings.first?.about == [presence.seq, close.seq])
    }

    @Test func serverClosingAnAvailableSessionIsInfoAtTheEnd() throws {
        let stream = CheckStream.boundSession() + [
            (.c2s, "<presence/>"),
            (.s2c, "</stream:stream>"),
        ]
        let records = try CheckStream.records(stream, checks: "session-no-unavailable")
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["session-no-unavailable"])
        let presence = try #require(records.stanzas.last { $0.kind == "presence" })
        let close = try #require(records.first { $0.event == .streamClose && $0.direction == .s2c })
        #expect(findings.first?.about == [presence.seq, close.seq])
    }

    @Test func unavailableBeforeCloseIsFine() throws {
        let stream = CheckStream.boundSession() + [(.c2s, "<presence/>")] + CheckStream.politeEnd
        #expect(try CheckStream.findings(stream, checks: "session-no-unavailable").isEmpty)
        // A capture that stops while the client is online says nothing about how it will leave.
        #expect(try CheckStream.findings(CheckStream.boundSession() + [(.c2s, "<presence/>")], checks: "session-no-unavailable").isEmpty)
    }

    // MARK: session-no-stream-close

    @Test func connectionEndingWithoutCloseIsInfo() throws {
        let stream = CheckStream.boundSession() + [(.c2s, "<presence type='unavailable'/>"), (.s2c, "</stream:stream>")]
        let records = try CheckStream.records(stream, checks: "session-no-stream-close")
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["session-no-stream-close"])
        #expect(findings.first?.finding?.severity == .info)
        #expect(findings.first?.direction == .c2s)
        // About the client's current stream header (the one after the SASL restart).
        #expect(findings.first?.about == [Self.headers(records).filter { $0.direction == .c2s }.last!.seq])
        #expect(findings.first?.finding?.message.contains("from the client") == true)
    }

    @Test func connectionEndingWithoutEitherCloseNamesBoth() throws {
        let records = try CheckStream.records(CheckStream.boundSession(), checks: "session-no-stream-close")
        let findings = records.filter { $0.event == .finding }
        #expect(findings.findingIDs == ["session-no-stream-close"])
        let current = Self.headers(records).suffix(2).map(\.seq)
        #expect(findings.first?.about == current)
        #expect(findings.first?.finding?.message.contains("either side") == true)
    }

    @Test func aStreamTheServerNeverAnsweredIsNotOneToClose() throws {
        let header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>"
        #expect(try CheckStream.findings([(.c2s, header)], checks: "session-no-stream-close").isEmpty)
    }

    @Test func closedStreamsAreFine() throws {
        #expect(try CheckStream.findings(CheckStream.boundSession() + CheckStream.politeEnd, checks: "session-no-stream-close").isEmpty)
    }

    @Test func starttlsWithoutKeysIsNotAMissingClose() throws {
        // What a STARTTLS capture without a key log leaves in the clear: the stream ends at <proceed/>.
        let stream: [(Direction?, String)] = [
            (.c2s, Self.clientHeader),
            (.s2c, Self.serverHeader + "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>"),
            (.c2s, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
            (.s2c, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
        ]
        #expect(try CheckStream.findings(stream, checks: "session-no-stream-close").isEmpty)
    }

    @Test func aSessionTheProxyDecryptedIsCheckedForItsClose() throws {
        // The intercepting proxy's view: TLS terminated in front, the streams after <proceed/> in
        // the clear. Its tls-start counts no encrypted bytes, so the session was seen whole, and a
        // missing close is a finding; with the closes, none.
        let opening: [(Direction?, String)] = [
            (.c2s, Self.clientHeader),
            (.s2c, Self.serverHeader + "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>"),
            (.c2s, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
            (.s2c, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
            (.c2s, Self.clientHeader),
            (.s2c, Self.serverHeader + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"),
        ]
        let options = InspectorOptions(keepsElements: false, tlsTerminated: true, checks: try CheckSelection(parsing: "session-no-stream-close"))
        let records = inspectText(opening, options: options)
        #expect(records.filter { $0.event == .tlsStart }.count == 1)
        #expect(records.filter { $0.event == .finding }.findingIDs == ["session-no-stream-close"])
        let closed = inspectText(opening + [(.c2s, "</stream:stream>"), (.s2c, "</stream:stream>")], options: options)
        #expect(closed.filter { $0.event == .finding }.isEmpty)
    }

    // MARK: stanza-after-close

    @Test func stanzaAfterOwnCloseIsAnError() throws {
        let stream = CheckStream.boundSession() + [
            (.c2s, "<presence type='unavailable'/></stream:stream>"),
            (.c2s, "<message to='romeo@example.net' type='chat'><body>one more</body></message>"),
            (.c2s, "<message to='romeo@example.net' type='chat'><body>and another</body></message>"),
            (.s2c, "</stream:stream>"),
        ]
        let records = try CheckStream.records(stream, checks: "stanza-after-close")
        let findings = records.filter { $0.event == .finding }
        // One finding per close, about the close and the first element after it.
        #expect(findings.findingIDs == ["stanza-after-close"])
        #expect(findings.first?.finding?.severity == .error)
        let close = try #require(records.first { $0.event == .streamClose && $0.direction == .c2s })
        let message = try #require(records.stanzas.first { $0.kind == "message" })
        #expect(findings.first?.about == [close.seq, message.seq])
    }

    @Test func stanzaAfterThePeersCloseIsNotThisCheck() throws {
        let stream = CheckStream.boundSession() + [
            (.s2c, "</stream:stream>"),
            (.c2s, "<presence type='unavailable'/></stream:stream>"),
        ]
        #expect(try CheckStream.findings(stream, checks: "stanza-after-close").isEmpty)
    }

    // MARK: real traffic

    static let ids = "stream-header-version,stream-header-namespace,session-no-unavailable,session-no-stream-close,stanza-after-close"

    @Test func realCapturesRaiseOnlyTheExpectedFindings() throws {
        let found = try replayAllCaptures(checks: Self.ids)
        #expect(found == Self.expectedOnCaptures, "\(found)")
    }

    /// Checked by hand (tshark and the replayed records). nDPI's connections are cut off by the
    /// capture's end (no FIN/RST), so nothing is said about how they end.
    static let expectedOnCaptures: [String] = [
        // Strophe.js 1.2.14 sends <close/> (RFC 7395) and closes the WebSocket at once; Prosody
        // 0.12 never sends its <close/> back (the captures have no s2c <close/>): the server's
        // side of each WebSocket session ends without one.
        "web-deflate-nocontext.pcap: session-no-stream-close #42 about [23]",
        "web-deflate.pcap: session-no-stream-close #46 about [23]",
        "web-websocket.pcap: session-no-stream-close #41 about [23]",
        "web-wss.pcap: session-no-stream-close #44 about [24]",
        // A jabber:client header sent to the Jabber XCP component port 7400 is answered with
        // xmlns='jabber:component:accept': the two sides' content namespaces really differ.
        "xmpptrace-wx2-component.pcap: stream-header-namespace #13 about [12, 13]",
        "xmpptrace-wx2-component.pcap: stream-header-namespace #55 about [54, 55]",
        // Connection 3: the client closed its stream (#75), the server FIN'd without closing its own.
        "xmpptrace-wx2-component.pcap: session-no-stream-close #75 about [55]",
        "xmpptrace-wx2-component.pcap: stream-header-namespace #258 about [257, 258]",
        "xmpptrace-wx2-component.pcap: stream-header-namespace #276 about [275, 276]",
        // The component connections end with FIN from both sides (tshark: tcp.flags.fin) and no
        // </stream:stream> from either: the test harness tore them down without closing the streams.
        "xmpptrace-wx2-component.pcap: session-no-stream-close #289 about [33, 34]",
        "xmpptrace-wx2-component.pcap: session-no-stream-close #305 about [1, 2]",
        "xmpptrace-wx2-component.pcap: session-no-stream-close #287 about [83, 84]",
        "xmpptrace-wx2-component.pcap: session-no-stream-close #288 about [79, 80]",
        "xmpptrace-wx2-component.pcap: session-no-stream-close #328 about [104, 109]",
        "xmpptrace-wx2-component.pcap: session-no-stream-close #304 about [108, 112]",
        "xmpptrace-wx2-component.pcap: session-no-stream-close #290 about [12, 13]",
        "xmpptrace-wx2-component.pcap: session-no-stream-close #303 about [257, 258]",
        "xmpptrace-wx2-component.pcap: session-no-stream-close #330 about [275, 276]",
        // The c2s client on 5222 sent <presence id='40'/> (#320) and closed (#331) without going unavailable.
        "xmpptrace-wx2-component.pcap: session-no-unavailable #331 about [320, 331]",
    ]
}

/// Every capture of good traffic in the repository's captures/ (with its key log where one lies
/// beside it) and in ../shared/captures-public, replayed with `checks`: "file: id #seq about [..]"
/// for each finding. captures/c2s-misbehaving.pcap breaks rules on purpose: MisbehavingClientTests
/// holds it to its own list.
func replayAllCaptures(checks: String) throws -> [String] {
    let own = repositoryRoot.appendingPathComponent("captures")
    let shared = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/captures-public")
    var paths: [String] = []
    for folder in [own, shared] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { ($0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng")) && $0 != "c2s-misbehaving.pcap" }.sorted()
        paths += names.map { folder.appendingPathComponent($0).path }
    }
    var found: [String] = []
    for path in paths {
        let keys = String(path.dropLast(5)) + ".keys"
        let keyLogs = FileManager.default.fileExists(atPath: keys) ? [keys] : []
        let records = try replayRecords(path, options: InspectorOptions(keepsElements: false, checks: try CheckSelection(parsing: checks)),
                                        keyLogs: keyLogs)
        let name = URL(fileURLWithPath: path).lastPathComponent
        for finding in records where finding.event == .finding {
            found.append("\(name): \(finding.finding?.id ?? "") #\(finding.seq) about \(finding.about)")
        }
    }
    return found
}
