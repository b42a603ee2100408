import Foundation
import Testing
import XMPPBase
@testable import XMPPInspect

/// SASL and SASL2 checks: PLAIN without TLS, mechanisms and inline features not offered, a second
/// authentication, and the XEP-0474 downgrade-protection hash.
@Suite struct SASLChecksTests {
    static let clientHeader = StreamChecksTests.clientHeader
    static let serverHeader = StreamChecksTests.serverHeader
    static let sasl = "urn:ietf:params:xml:ns:xmpp-sasl"

    /// A plain stream up to the server's features, which hold `features`.
    static func opening(features: String) -> [(Direction?, String)] {
        [(.c2s, clientHeader), (.s2c, serverHeader + "<stream:features>\(features)</stream:features>")]
    }

    static func mechanisms(_ names: String...) -> String {
        "<mechanisms xmlns='\(sasl)'>" + names.map { "<mechanism>\($0)</mechanism>" }.joined() + "</mechanisms>"
    }

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    /// The records of `stream` with `checks`, the findings among them, and the seq of the first
    /// record of each kind named.
    static func run(_ stream: [(Direction?, String)], checks: String) throws -> (records: [Record], findings: [Record]) {
        let records = try CheckStream.records(stream, checks: checks)
        return (records, records.filter { $0.event == .finding })
    }

    static func seq(_ records: [Record], _ kind: String, _ direction: Direction) throws -> Int {
        try #require(records.first { $0.event == .nonza && $0.kind == kind && $0.direction == direction }).seq
    }

    // MARK: sasl-plain-unencrypted

    @Test func plainWithoutTLSIsAWarning() throws {
        let stream = Self.opening(features: Self.mechanisms("PLAIN", "SCRAM-SHA-1")) + [
            (.c2s, "<auth xmlns='\(Self.sasl)' mechanism='PLAIN'>\(Self.base64("\0juliet\0r0m30"))</auth>"),
        ]
        let (records, findings) = try Self.run(stream, checks: "sasl-plain-unencrypted")
        #expect(findings.findingIDs == ["sasl-plain-unencrypted"])
        #expect(findings.first?.finding?.severity == .warning)
        #expect(findings.first?.about == [try Self.seq(records, "auth", .c2s)])
    }

    @Test func sasl2PlainWithoutTLSIsAWarning() throws {
        let stream = Self.opening(features: "<authentication xmlns='urn:xmpp:sasl:2'><mechanism>PLAIN</mechanism></authentication>") + [
            (.c2s, "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='PLAIN'><initial-response>\(Self.base64("\0juliet\0r0m30"))</initial-response></authenticate>"),
        ]
        let (records, findings) = try Self.run(stream, checks: "sasl-plain-unencrypted")
        #expect(findings.findingIDs == ["sasl-plain-unencrypted"])
        #expect(findings.first?.about == [try Self.seq(records, "authenticate", .c2s)])
    }

    @Test func scramWithoutTLSIsNotThisCheck() throws {
        #expect(try CheckStream.findings(CheckStream.boundSession(), checks: "sasl-plain-unencrypted").isEmpty)
    }

    // MARK: sasl-mechanism-not-offered

    @Test func mechanismNotOfferedIsAnError() throws {
        let stream = Self.opening(features: Self.mechanisms("PLAIN", "SCRAM-SHA-1")) + [
            (.c2s, "<auth xmlns='\(Self.sasl)' mechanism='DIGEST-MD5'/>"),
        ]
        let (records, findings) = try Self.run(stream, checks: "sasl-mechanism-not-offered")
        #expect(findings.findingIDs == ["sasl-mechanism-not-offered"])
        #expect(findings.first?.finding?.severity == .error)
        #expect(findings.first?.about == [try Self.seq(records, "features", .s2c), try Self.seq(records, "auth", .c2s)])
        #expect(findings.first?.finding?.message.contains("'DIGEST-MD5'") == true)
    }

    @Test func offeredMechanismIsFine() throws {
        #expect(try CheckStream.findings(CheckStream.boundSession(), checks: "sasl-mechanism-not-offered").isEmpty)
        // Without the features in view nothing can be said.
        let unseen: [(Direction?, String)] = [(.c2s, "<auth xmlns='\(Self.sasl)' mechanism='DIGEST-MD5'/>")]
        #expect(try CheckStream.findings(unseen, checks: "sasl-mechanism-not-offered").isEmpty)
    }

    // MARK: sasl-auth-after-success

    @Test func secondAuthAfterSuccessIsAnError() throws {
        let stream = CheckStream.boundSession() + [(.c2s, "<auth xmlns='\(Self.sasl)' mechanism='SCRAM-SHA-1'>\(Self.base64("n,,n=romeo,r=xyz"))</auth>")]
        let (records, findings) = try Self.run(stream, checks: "sasl-auth-after-success")
        #expect(findings.findingIDs == ["sasl-auth-after-success"])
        #expect(findings.first?.finding?.severity == .error)
        let auths = records.filter { $0.kind == "auth" && $0.event == .nonza }
        #expect(findings.first?.about == [try Self.seq(records, "success", .s2c), auths.last!.seq])
    }

    @Test func retryAfterFailureIsFine() throws {
        let stream = Self.opening(features: Self.mechanisms("PLAIN", "SCRAM-SHA-1")) + [
            (.c2s, "<auth xmlns='\(Self.sasl)' mechanism='SCRAM-SHA-1'>\(Self.base64("n,,n=juliet,r=abc"))</auth>"),
            (.s2c, "<failure xmlns='\(Self.sasl)'><not-authorized/></failure>"),
            (.c2s, "<auth xmlns='\(Self.sasl)' mechanism='SCRAM-SHA-1'>\(Self.base64("n,,n=juliet,r=abd"))</auth>"),
        ]
        #expect(try CheckStream.findings(stream, checks: "sasl-auth-after-success").isEmpty)
        #expect(try CheckStream.findings(CheckStream.boundSession(), checks: "sasl-auth-after-success").isEmpty)
    }

    // MARK: sasl2-mechanism-not-offered

    static let sasl2Features = "<authentication xmlns='urn:xmpp:sasl:2'><mechanism>SCRAM-SHA-256</mechanism>"
        + "<inline><fast xmlns='urn:xmpp:fast:0'><mechanism>HT-SHA-256-NONE</mechanism></fast></inline></authentication>"

    @Test func sasl2MechanismNotOfferedIsAnError() throws {
        let stream = Self.opening(features: Self.sasl2Features) + [
            (.c2s, "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='SCRAM-SHA-1'><initial-response>\(Self.base64("n,,n=juliet,r=abc"))</initial-response></authenticate>"),
        ]
        let (records, findings) = try Self.run(stream, checks: "sasl2-mechanism-not-offered")
        #expect(findings.findingIDs == ["sasl2-mechanism-not-offered"])
        #expect(findings.first?.finding?.severity == .error)
        #expect(findings.first?.about == [try Self.seq(records, "features", .s2c), try Self.seq(records, "authenticate", .c2s)])
    }

    @Test func sasl2OfferedAndFASTMechanismsAreFine() throws {
        for mechanism in ["SCRAM-SHA-256", "HT-SHA-256-NONE"] {
            let stream = Self.opening(features: Self.sasl2Features) + [
                (.c2s, "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='\(mechanism)'><initial-response>AAAA</initial-response></authenticate>"),
            ]
            #expect(try CheckStream.findings(stream, checks: "sasl2-mechanism-not-offered").isEmpty, "\(mechanism)")
        }
    }

    // MARK: sasl2-inline-not-offered

    static let inlineFeatures = "<authentication xmlns='urn:xmpp:sasl:2'><mechanism>SCRAM-SHA-256</mechanism><inline>"
        + "<bind xmlns='urn:xmpp:bind:0'><inline><feature var='urn:xmpp:carbons:2'/><feature var='urn:xmpp:sm:3'/></inline></bind>"
        + "<sm xmlns='urn:xmpp:sm:3'/></inline></authentication>"

    @Test func inlineRequestsNotOfferedAreAnError() throws {
        let stream = Self.opening(features: Self.inlineFeatures) + [
            (.c2s, "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='SCRAM-SHA-256'><initial-response>AAAA</initial-response>"
                + "<bind xmlns='urn:xmpp:bind:0'><tag>AwesomeXMPP</tag><enable xmlns='urn:xmpp:carbons:2'/><inactive xmlns='urn:xmpp:csi:0'/></bind>"
                + "<request-token xmlns='urn:xmpp:fast:0' mechanism='HT-SHA-256-NONE'/></authenticate>"),
        ]
        let (records, findings) = try Self.run(stream, checks: "sasl2-inline-not-offered")
        #expect(findings.findingIDs == ["sasl2-inline-not-offered"])
        #expect(findings.first?.finding?.severity == .error)
        #expect(findings.first?.about == [try Self.seq(records, "features", .s2c), try Self.seq(records, "authenticate", .c2s)])
        let message = findings.first?.finding?.message ?? ""
        #expect(message.contains("<inactive xmlns='urn:xmpp:csi:0'/>") && message.contains("<request-token xmlns='urn:xmpp:fast:0'/>"))
        #expect(!message.contains("carbons"))
    }

    @Test func bind2NotOfferedIsAnError() throws {
        let stream = Self.opening(features: "<authentication xmlns='urn:xmpp:sasl:2'><mechanism>SCRAM-SHA-256</mechanism></authentication>") + [
            (.c2s, "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='SCRAM-SHA-256'><initial-response>AAAA</initial-response>"
                + "<bind xmlns='urn:xmpp:bind:0'><tag>AwesomeXMPP</tag></bind></authenticate>"),
        ]
        let findings = try CheckStream.findings(stream, checks: "sasl2-inline-not-offered")
        #expect(findings.findingIDs == ["sasl2-inline-not-offered"])
        #expect(findings.first?.finding?.message.contains("Bind 2 is not offered") == true)
    }

    @Test func offeredInlineRequestsAreFine() throws {
        let stream = Self.opening(features: Self.inlineFeatures) + [
            (.c2s, "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='SCRAM-SHA-256'><initial-response>AAAA</initial-response>"
                + "<user-agent id='d4565fa7-4d72-4749-b3d3-740edbf87770'><software>AwesomeXMPP</software></user-agent>"
                + "<bind xmlns='urn:xmpp:bind:0'><tag>AwesomeXMPP</tag><enable xmlns='urn:xmpp:carbons:2'/><enable xmlns='urn:xmpp:sm:3'/></bind>"
                + "<resume xmlns='urn:xmpp:sm:3' previd='some-long-sm-id' h='4'/></authenticate>"),
        ]
        #expect(try CheckStream.findings(stream, checks: "sasl2-inline-not-offered").isEmpty)
    }

    // MARK: ssdp-mismatch

    /// SASL features with XEP-0440 channel bindings, as sent; `dropExporter` removes one binding
    /// type, as a proxy editing the features would.
    static func ssdpStream(hashAttribute: String, dropExporter: Bool = false) -> [(Direction?, String)] {
        let bindings = "<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-server-end-point'/>"
            + (dropExporter ? "" : "<channel-binding type='tls-exporter'/>") + "</sasl-channel-binding>"
        return opening(features: bindings + mechanisms("SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN")) + [
            (.c2s, "<auth xmlns='\(sasl)' mechanism='SCRAM-SHA-256'>\(base64("n,,n=juliet,r=abc"))</auth>"),
            (.s2c, "<challenge xmlns='\(sasl)'>\(base64("r=abcdef,s=QSXCR+Q6sek8bf92,i=4096,\(hashAttribute)"))</challenge>"),
        ]
    }

    /// printf 'PLAIN\x1eSCRAM-SHA-1\x1eSCRAM-SHA-256\x1ftls-exporter\x1etls-server-end-point' | openssl dgst -sha256 -binary | base64
    static let currentHash = "rrrrN5rU/UKksJIvYlUfue20YTYnIuFeX/mjtCaO8B4="
    /// XEP-0474 0.3.x delimiters:
    /// printf 'PLAIN,SCRAM-SHA-1,SCRAM-SHA-256|tls-exporter,tls-server-end-point' | openssl dgst -sha256 -binary | base64
    static let legacyHash = "lFaRaXWXEpVgK30BKGAXFYXFL6bd5rXajQ7uTWXBrSM="

    @Test func matchingHashIsFine() throws {
        #expect(try CheckStream.findings(Self.ssdpStream(hashAttribute: "h=\(Self.currentHash)"), checks: "ssdp-mismatch").isEmpty)
        #expect(try CheckStream.findings(Self.ssdpStream(hashAttribute: "d=\(Self.legacyHash)"), checks: "ssdp-mismatch").isEmpty)
    }

    @Test func bindingsInsideMechanismsCount() throws {
        // XEP-0440 before 0.4.0 nested <sasl-channel-binding/> in <mechanisms/>: the same offer.
        let nested = Self.ssdpStream(hashAttribute: "h=\(Self.currentHash)").map { part -> (Direction?, String) in
            guard part.1.contains("<stream:features>") else { return part }
            let bindings = "<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-server-end-point'/><channel-binding type='tls-exporter'/></sasl-channel-binding>"
            let moved = part.1.replacingOccurrences(of: bindings, with: "")
                .replacingOccurrences(of: "<mechanisms xmlns='\(Self.sasl)'>", with: "<mechanisms xmlns='\(Self.sasl)'>" + bindings)
            return (part.0, moved)
        }
        #expect(nested[1].1.contains("xmpp-sasl'><sasl-channel-binding"))
        #expect(try CheckStream.findings(nested, checks: "ssdp-mismatch").isEmpty)
    }

    @Test func hashOverOtherFeaturesIsAnError() throws {
        // The server hashed what it sent; the client saw the list without tls-exporter.
        let (records, findings) = try Self.run(Self.ssdpStream(hashAttribute: "h=\(Self.currentHash)", dropExporter: true), checks: "ssdp-mismatch")
        #expect(findings.findingIDs == ["ssdp-mismatch"])
        #expect(findings.first?.finding?.severity == .error)
        #expect(findings.first?.direction == .s2c)
        #expect(findings.first?.about == [try Self.seq(records, "features", .s2c), try Self.seq(records, "auth", .c2s),
                                          try Self.seq(records, "challenge", .s2c)])
        let legacy = try CheckStream.findings(Self.ssdpStream(hashAttribute: "d=\(Self.legacyHash)", dropExporter: true), checks: "ssdp-mismatch")
        #expect(legacy.findingIDs == ["ssdp-mismatch"])
    }

    /// XEP-0474's own example (SASL2, SCRAM-SHA-1-PLUS): its challenge carries h=G6k/rBLDqgOhRRaCuuatSDFkJ08=,
    /// printf 'SCRAM-SHA-1\x1eSCRAM-SHA-1-PLUS\x1ftls-exporter\x1etls-server-end-point' | openssl dgst -sha1 -binary | base64
    static func xepExample(mechanisms: String) -> [(Direction?, String)] {
        opening(features: "<authentication xmlns='urn:xmpp:sasl:2'>\(mechanisms)</authentication>"
                + "<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-server-end-point'/><channel-binding type='tls-exporter'/></sasl-channel-binding>") + [
            (.c2s, "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='SCRAM-SHA-1-PLUS'><initial-response>\(base64("p=tls-exporter,,n=user,r=12C4CD5C"))</initial-response></authenticate>"),
            (.s2c, "<challenge xmlns='urn:xmpp:sasl:2'>\n  \(base64("r=12C4CD5Ca09117a6,s=QSXCR+Q6sek8bf92,i=4096,h=G6k/rBLDqgOhRRaCuuatSDFkJ08="))\n</challenge>"),
        ]
    }

    @Test func sasl2HashFromTheXEPMatches() throws {
        let stream = Self.xepExample(mechanisms: "<mechanism>SCRAM-SHA-1</mechanism><mechanism>SCRAM-SHA-1-PLUS</mechanism>")
        #expect(try CheckStream.findings(stream, checks: "ssdp-mismatch").isEmpty)
        // The -PLUS variant stripped from the list (a downgrade) no longer matches.
        let stripped = Self.xepExample(mechanisms: "<mechanism>SCRAM-SHA-1</mechanism>")
        #expect(try CheckStream.findings(stripped, checks: "ssdp-mismatch").findingIDs == ["ssdp-mismatch"])
    }

    // MARK: real traffic

    static let ids = "sasl-plain-unencrypted,sasl-mechanism-not-offered,sasl-auth-after-success,sasl2-mechanism-not-offered,sasl2-inline-not-offered,ssdp-mismatch"

    @Test func realCapturesRaiseOnlyTheExpectedFindings() throws {
        let found = try replayAllCaptures(checks: Self.ids)
        #expect(found == Self.expectedOnCaptures, "\(found)")
    }

    static let expectedOnCaptures: [String] = [
        // captures/c2s-plain.pcap is a plain-TCP session on purpose: both logins use PLAIN without TLS.
        "c2s-plain.pcap: sasl-plain-unencrypted #5 about [5]",
        "c2s-plain.pcap: sasl-plain-unencrypted #8 about [8]",
        // In each web capture, bob (slixmpp over plain TCP, scripts/peers/web/bob_echo.py) logs in
        // with PLAIN without TLS; the web client, Strophe.js, picks SCRAM-SHA-1.
        "web-bosh.pcap: sasl-plain-unencrypted #4 about [4]",
        "web-deflate-nocontext.pcap: sasl-plain-unencrypted #4 about [4]",
        "web-deflate.pcap: sasl-plain-unencrypted #4 about [4]",
        "web-https-bosh.pcap: sasl-plain-unencrypted #4 about [4]",
        "web-websocket.pcap: sasl-plain-unencrypted #4 about [4]",
        "web-wss.pcap: sasl-plain-unencrypted #4 about [4]",
    ]
}
