import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import XMPPBase
import XMPPInspect

/// Web clients against a real server, replayed: Strophe.js in headless Chromium talking to
/// Prosody over WebSocket, BOSH and wss:// (scripts/make-web-captures.sh made the captures and
/// wrote Strophe's own raw log beside each). Every text Strophe sent or received must be in the
/// replay, in order, in its direction; every iq it sent must come back paired.
@Suite("Web captures from Strophe.js and Prosody")
struct WebCapturesTests {
    /// A capture, its key log if it is TLS, and the transport its web connection uses.
    struct WebCapture: CustomStringConvertible, Sendable {
        var name: String
        var keyLog: String?
        var transport: Transport
        var description: String { name }
        var path: String { repositoryRoot.appendingPathComponent("captures/\(name).pcap").path }
        var strophePath: String { repositoryRoot.appendingPathComponent("captures/\(name).strophe.jsonl").path }
    }

    static let captures: [WebCapture] = [
        WebCapture(name: "web-websocket", transport: .websocket),
        WebCapture(name: "web-bosh", transport: .bosh),
        WebCapture(name: "web-wss", keyLog: "captures/web-wss.keys", transport: .websocket),
        WebCapture(name: "web-deflate", transport: .websocket),
        WebCapture(name: "web-deflate-nocontext", transport: .websocket),
        WebCapture(name: "web-https-bosh", keyLog: "captures/web-https-bosh.keys", transport: .bosh),
    ]

    /// One line of Strophe's raw log: its direction and the text as Strophe handed it over.
    struct StropheText {
        var direction: Direction
        var raw: String
    }

    static func stropheLog(_ capture: WebCapture) throws -> [StropheText] {
        let text = try String(contentsOfFile: capture.strophePath, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            guard let dir = object?["dir"] as? String, let direction = Direction(rawValue: dir),
                  let raw = object?["raw"] as? String else {
                throw ToolError.failed("a Strophe log line without dir or raw: \(line)")
            }
            return StropheText(direction: direction, raw: raw)
        }
    }

    static func replay(_ capture: WebCapture) throws -> [Record] {
        var records: [Record] = []
        let keyLog = try capture.keyLog.map {
            try KeyLogFiles(paths: [repositoryRoot.appendingPathComponent($0).path], mayGrow: false) { _ in }
        }
        let inspector = Inspector(keyLog: keyLog) { records.append($0) }
        _ = try Replayer.replay(path: capture.path, into: inspector)
        return records
    }

    /// The records of the capture's web connection (the other is bob's TCP client).
    static func webRecords(_ records: [Record], _ transport: Transport) -> [Record] {
        records.filter { $0.transport == transport }
    }

    @Test("every text Strophe sent and received is in the replay, in order, in its direction", arguments: captures)
    func everyTextIsThere(capture: WebCapture) throws {
        let texts = try Self.stropheLog(capture)
        let records = Self.webRecords(try Self.replay(capture), capture.transport)
        try #require(texts.count >= 20, "Strophe's log of \(capture) is too short to prove anything")
        for direction in Direction.allCases {
            let theirs = texts.filter { $0.direction == direction }
            let ours = records.filter {
                $0.direction == direction && [.stanza, .nonza, .streamOpen, .streamClose, .streamError].contains($0.event)
            }
            if capture.transport == .websocket {
                // One message, one element: the same texts, one for one (a redacted one by its name).
                let shown = ours.filter { !($0.event == .streamClose && ($0.xml ?? "").isEmpty) }
                #expect(shown.count == theirs.count, "\(direction) in \(capture)")
                for (record, text) in zip(shown, theirs) {
                    if record.redacted {
                        #expect(text.raw.hasPrefix("<" + (record.kind ?? "?")), "\(direction) #\(record.seq) in \(capture)")
                    } else {
                        #expect(record.xml == text.raw, "\(direction) #\(record.seq) in \(capture)")
                    }
                }
            } else {
                // BOSH: each text is a <body/> (Strophe logs what the browser parsed and serialised
                // again, so bytes may differ): its children, by name, id and type, are ours in order.
                let children = theirs.flatMap { BodyChildren.of($0.raw) }
                let shown = ours.filter { $0.event == .stanza || $0.event == .nonza }.map {
                    BodyChildren.Child(name: $0.kind ?? "", id: $0.id, type: $0.type)
                }
                #expect(children.count >= 8, "\(direction) in \(capture): Strophe's bodies hold too few elements")
                #expect(shown == children, "\(direction) in \(capture)")
                // And every body was carried by an http record, one each.
                let carriers = records.filter { $0.event == .http && $0.direction == direction }
                #expect(carriers.count == theirs.count, "\(direction) bodies in \(capture)")
            }
        }
    }

    @Test("every iq Strophe sent is answered and paired, with its round trip", arguments: captures)
    func iqsPaired(capture: WebCapture) throws {
        let records = Self.webRecords(try Self.replay(capture), capture.transport)
        let requests = records.filter(\.isRequest)
        try #require(requests.count >= 5, "\(capture)")
        for request in requests {
            let response = records.first { $0.requestSeq == request.seq }
            #expect(response?.rttMilliseconds != nil, "iq #\(request.seq) \(request.id ?? "") in \(capture)")
        }
        #expect(!records.contains { $0.unanswered || $0.unmatchedResponse }, "\(capture)")
        // The scenario's vCard get comes back item-not-found.
        #expect(records.contains { $0.error?.condition == "item-not-found" }, "\(capture)")
    }

    @Test("stats over a web session: each paired iq's round trip under its namespace, the vCard's error, nothing unanswered", arguments: captures)
    func stats(capture: WebCapture) throws {
        let records = Self.webRecords(try Self.replay(capture), capture.transport)
        let statistics = LatencyStatistics()
        statistics.startSource()
        for record in records { statistics.consume(record) }
        let paired = records.filter { $0.requestSeq != nil && $0.rttMilliseconds != nil }
        try #require(paired.count >= 5, "\(capture)")
        #expect(statistics.latencies.values.reduce(0) { $0 + $1.count } == paired.count, "\(capture)")
        for namespace in ["jabber:iq:roster", "http://jabber.org/protocol/disco#info", "vcard-temp"] {
            #expect(statistics.latencies[namespace]?.isEmpty == false, "\(capture): \(namespace)")
        }
        #expect(statistics.errors["stanza item-not-found"] == 1, "\(capture): \(statistics.errors)")
        #expect(statistics.unanswered.isEmpty, "\(capture)")
        let getsSent = records.filter { $0.event == .stanza && $0.kind == "iq" && $0.type == "get" && $0.direction == .c2s }.count
        #expect(statistics.stanzas["iq get"]?.first == getsSent, "\(capture)")
        #expect(statistics.render().contains("vcard-temp"), "\(capture)")
    }

    @Test("the web layer finds nothing wrong in a real client's session", arguments: captures)
    func noProblems(capture: WebCapture) throws {
        let records = try Self.replay(capture)
        let problems = records.filter { [.webError, .parseError, .tlsError, .gap].contains($0.event) }
        #expect(problems.isEmpty, "\(capture): \(problems.map { "#\($0.seq) \($0.error?.text ?? "")" })")
        #expect(records.contains { $0.transport == capture.transport })
    }

    @Test("wss:// with Chromium's key log decodes like ws://")
    func wssLikeWS() throws {
        let wss = try Self.replay(Self.captures[2])
        #expect(wss.contains { $0.event == .tls && $0.decrypted == true && $0.transport == .websocket })
        let plain = try Self.replay(Self.captures[0])
        func shape(_ records: [Record]) -> [String] {
            records.filter { $0.transport == .websocket && $0.event == .stanza }.map { "\($0.direction) \($0.kind ?? "") \($0.type ?? "")" }
        }
        #expect(shape(wss) == shape(plain))
    }

    @Test("the failed attempts a user must see: each a record with its status and an error")
    func failedAttempts() throws {
        let capture = WebCapture(name: "web-failures", transport: .websocket)
        let records = try Self.replay(capture)
        let failed = records.filter { $0.event == .http && ($0.http?.status ?? 0) >= 400 }
        // A wrong path (404), no xmpp subprotocol (Prosody's 501), a refused Origin (403), a wrong BOSH path (404).
        #expect(failed.compactMap(\.http?.status).sorted() == [403, 404, 404, 501])
        #expect(failed.allSatisfy { $0.error?.condition == "http-\($0.http?.status ?? 0)" })
        // Each failure follows its request on the same connection.
        for response in failed {
            #expect(records.contains { $0.connection == response.connection && $0.event == .http && $0.kind == "request" && $0.seq < response.seq })
        }
    }
}

/// The children of a BOSH `<body/>` as Foundation's XML parser reads them: a second opinion.
final class BodyChildren: NSObject, XMLParserDelegate {
    struct Child: Equatable, CustomStringConvertible {
        var name: String
        var id: String?
        var type: String?
        var description: String { "\(name) \(id ?? "-") \(type ?? "-")" }
    }

    private var depth = 0
    private var children: [Child] = []

    /// The body's children; a body Foundation cannot parse is recorded as an issue (its children
    /// so far are still returned, so the comparison shows what went missing).
    static func of(_ body: String) -> [Child] {
        let reader = BodyChildren()
        let parser = XMLParser(data: Data(body.utf8))
        parser.shouldProcessNamespaces = true
        parser.delegate = reader
        if !parser.parse() {
            Issue.record("Foundation's parser rejects a <body/>: \(parser.parserError.map { "\($0)" } ?? "no reason given") at line \(parser.lineNumber), column \(parser.columnNumber)")
        }
        return reader.children
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String]) {
        depth += 1
        if depth == 2 { children.append(Child(name: elementName, id: attributes["id"], type: attributes["type"])) }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        depth -= 1
    }
}
