import Foundation
import Testing
import XMPPBase
import XMPPCore
@testable import XMPPInspect

/// The table of the log's keys (``LogField``) against the writer, the decoder and grep's prefilter.
@Suite("Log fields")
struct LogFieldTests {
    /// A record with every key set, each value different from the others.
    private func everything() -> Record {
        var record = Record(seq: 7, timestamp: Timestamp(microseconds: 1_764_000_000_123_456), connection: 3,
                            direction: .s2c, event: .stanza)
        record.kind = "iq"
        record.type = "error"
        record.id = "i1"
        record.from = "a@x.test"
        record.to = "b@x.test/r"
        record.namespaces = ["urn:a", "urn:b"]
        record.size = 120
        record.offset = 450
        record.rttMilliseconds = 1.25
        record.requestSeq = 5
        record.unanswered = true
        record.unmatchedResponse = true
        record.error = ErrorInfo(source: .stanza, type: "cancel", condition: "item-not-found", text: "gone",
                                 code: "404", applicationCondition: "{urn:app}oops")
        record.position = StreamPosition(offset: 450, line: 2, column: 9)
        record.byteCount = 17
        record.encryptedBytes = (c2s: 11, s2c: 12)
        record.redacted = true
        record.proxy = ProxyInfo(client: "127.0.0.1:1", listener: "127.0.0.1:2", server: "127.0.0.1:3", tlsVersion: "TLSv1.3",
                                 cipher: "TLS_AES_128_GCM_SHA256", certificateSubject: "CN=x.test", serverName: "x.test",
                                 alpn: "xmpp-client", closedBy: "server", reason: "it closed its side (FIN)",
                                 bytes: .init(c2s: 21, s2c: 22), notes: ["a note"])
        var tls = TLSInfo()
        tls.version = "TLSv1.2"
        tls.suite = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        tls.serverName = "y.test"
        tls.alpn = "xmpp-server"
        tls.subject = "CN=y.test"
        tls.issuer = "CN=ca.test"
        tls.notBefore = "2026-01-01T00:00:00Z"
        tls.notAfter = "2027-01-01T00:00:00Z"
        tls.resumed = true
        tls.helloRetryRequest = true
        tls.reason = "a reason"
        record.tls = tls
        record.decrypted = false
        record.binding = ChannelBinding(type: "tls-exporter", matches: false, note: "a note")
        record.findingIDs = ["iq-missing-id", "error-no-condition"]
        record.about = [3, 4]
        record.finding = Finding(id: "iq-missing-id", severity: .error, spec: "RFC 6120 §8.2.3", message: "m", hint: "h")
        record.transport = .bosh
        record.rid = 4_294_967_296
        record.http = HTTPInfo(method: "POST", target: "/http-bind", status: 404, reason: "Not Found", bodyBytes: 120, via: 3,
                               origin: "https://app.example", webSocketProtocol: "xmpp", extensions: "permessage-deflate",
                               sid: "s1", closeCode: 1000, closeReason: "bye")
        record.xml = "<iq type='error'/>"
        return record
    }

    private func line(_ record: Record) -> [UInt8] {
        var line: [UInt8] = []
        JSONLinesWriter.encode(record, into: &line)
        return line
    }

    @Test("the writer writes every key of the table, nested ones too, in the table's order")
    func writerOrder() {
        var expected: [String] = []
        for field in LogField.allCases {
            expected.append(field.rawValue)
            switch field {
            case .error:
                expected += LogField.ErrorKey.allCases.map { "error.\($0.rawValue)" }
            case .encryptedBytes:
                expected += LogField.CountKey.allCases.map { "encrypted_bytes.\($0.rawValue)" }
            case .proxy:
                for key in LogField.ProxyKey.allCases {
                    expected.append("proxy.\(key.rawValue)")
                    if key == .bytes { expected += LogField.CountKey.allCases.map { "proxy.bytes.\($0.rawValue)" } }
                }
            case .tls:
                expected += LogField.TLSKey.allCases.map { "tls.\($0.rawValue)" }
            case .binding:
                expected += LogField.BindingKey.allCases.map { "binding.\($0.rawValue)" }
            case .finding:
                expected += LogField.FindingKey.allCases.map { "finding.\($0.rawValue)" }
            case .http:
                expected += LogField.HTTPKey.allCases.map { "http.\($0.rawValue)" }
            default:
                break
            }
        }
        #expect(expected.count == 35 + 6 + 2 + 12 + 2 + 11 + 3 + 5 + 12)
        #expect(keyPaths(line(everything())) == expected)
    }

    @Test("a record with every key set reads back as it was written")
    func everyKeyReadsBack() throws {
        let written = line(everything())
        let back = try written.withUnsafeBufferPointer { try RecordDecoder.decode($0) }
        #expect(String(decoding: line(back), as: UTF8.self) == String(decoding: written, as: UTF8.self))
    }

    @Test("every byte string the prefilter looks for is in the line of a record the filter matches")
    func prefilterLiterals() throws {
        func record(_ event: Record.Event, kind: String?, type: String? = nil, _ change: (inout Record) -> Void = { _ in }) -> Record {
            var record = Record(seq: 1, timestamp: Timestamp(microseconds: 1_764_000_000_000_000), connection: 0,
                                direction: .c2s, event: event)
            record.kind = kind
            record.type = type
            change(&record)
            return record
        }
        let cases: [(filter: String, record: Record)] = [
            ("iq", record(.stanza, kind: "iq", type: "get")),
            ("message", record(.stanza, kind: "message")),
            ("presence", record(.stanza, kind: "presence")),
            ("request", record(.stanza, kind: "iq", type: "set")),
            ("response", record(.stanza, kind: "iq", type: "result")),
            ("nonza", record(.nonza, kind: "features")),
            ("gap", record(.gap, kind: nil)),
            ("tls", record(.tlsStart, kind: "tls")),
            ("tls", record(.tls, kind: "tls")),
            ("decrypted", record(.tls, kind: "tls") { $0.decrypted = true }),
            ("parse-error", record(.parseError, kind: nil)),
            ("unanswered", record(.stanza, kind: "iq", type: "get") { $0.unanswered = true }),
            (#"type == "error""#, record(.stanza, kind: "message", type: "error")),
            (#"id == "m7""#, record(.stanza, kind: "message") { $0.id = "m7" }),
            (#"from == "a@x.test""#, record(.stanza, kind: "message") { $0.from = "a@x.test" }),
            (#"to == "b@x.test""#, record(.stanza, kind: "message") { $0.to = "b@x.test" }),
            (#"kind == "features""#, record(.nonza, kind: "features")),
            (#"event == "stream-close""#, record(.streamClose, kind: "stream")),
            (#"dir == "s2c""#, record(.stanza, kind: "message") { $0.direction = .s2c }),
            (#"transport == "websocket""#, record(.stanza, kind: "message") { $0.transport = .websocket }),
            (#"error.condition == "gone""#, record(.stanza, kind: "iq", type: "error") { $0.error = ErrorInfo(source: .stanza, condition: "gone") }),
            (#"error.type == "wait""#, record(.stanza, kind: "iq", type: "error") { $0.error = ErrorInfo(source: .stanza, type: "wait") }),
            (#"error.text == "later""#, record(.stanza, kind: "iq", type: "error") { $0.error = ErrorInfo(source: .stanza, text: "later") }),
        ]
        var checked = 0
        for (source, record) in cases {
            let filter = try RecordFilter(source)
            #expect(filter.matches(record), "\(source) does not match its record")
            let literals = filter.requiredLiterals
            #expect(literals.count == 1, "\(source): \(literals.count) literals")
            let written = line(record).withUnsafeBufferPointer { line in
                literals.map { ByteSearch($0).occurs(in: line) }
            }
            for (literal, found) in zip(literals, written) {
                #expect(found, "\(source): \(String(decoding: literal, as: UTF8.self)) is not in the line")
                checked += 1
            }
        }
        #expect(checked == cases.count)
    }

    @Test("a line the writer wrote begins with the record start the prefilter checks for")
    func recordStart() {
        #expect(String(decoding: LogField.recordStart, as: UTF8.self) == #"{"v":1,"#)
        #expect(line(everything()).starts(with: LogField.recordStart))
    }

    @Test("the prefilter skips unread only lines that look like records; other bad lines are read and reported")
    func prefilterSkips() throws {
        var matching = everything()
        matching.unanswered = false
        var other = matching
        other.kind = "message"
        let lines = [
            String(decoding: line(matching), as: UTF8.self),  // 1: read, matches
            String(decoding: line(other), as: UTF8.self),     // 2: skipped, no "kind":"iq"
            #"{"v":1,"seq":oops}"#,                             // 3: looks like a record, no "kind":"iq": skipped unread
            #"{"v":1,}"#,                                       // 4: the shortest such line: skipped unread
            #"{"broken"}"#,                                     // 5: not a record's start: read, reported
            #"{"v":1,"seq":oops"#,                              // 6: no closing brace: read, reported
            #"{"v":1,"kind":"iq",oops}"#,                       // 7: holds "kind":"iq": read, reported
            #"{"v":1}"#,                                        // 8: too short to be a record's start: read, reported
        ]
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("xmppscope-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("log.jsonl").path
        _ = FileManager.default.createFile(atPath: path, contents: Data((lines.joined(separator: "\n") + "\n").utf8))
        var read: [Int] = []
        var bad: [Int] = []
        try RecordSource.read(path, prefilter: try RecordFilter("iq").requiredLiterals,
                              each: { read.append($0.seq) }, badLine: { bad.append($0.line) })
        #expect(read == [7])
        #expect(bad == [5, 6, 7, 8])
    }
}

/// The keys of a JSON object written on one line, in order; nested ones as `outer.inner`.
/// Enough for the writer's output: strings, numbers, literals, objects and arrays of strings.
private func keyPaths(_ line: [UInt8]) -> [String] {
    var paths: [String] = []
    var open: [String] = []  // the key of each open container ("" for the top and for arrays' items)
    var lastKey = ""
    var index = 0
    while index < line.count {
        let byte = line[index]
        switch byte {
        case UInt8(ascii: "\""):
            var end = index + 1
            while line[end] != UInt8(ascii: "\"") { end += line[end] == UInt8(ascii: "\\") ? 2 : 1 }
            let text = String(decoding: line[(index + 1)..<end], as: UTF8.self)
            index = end + 1
            if index < line.count && line[index] == UInt8(ascii: ":") {
                lastKey = text
                paths.append((open.filter { !$0.isEmpty } + [text]).joined(separator: "."))
            }
            continue
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            open.append(open.isEmpty ? "" : lastKey)
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            open.removeLast()
        default:
            break
        }
        index += 1
    }
    return paths
}
