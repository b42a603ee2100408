import Foundation
import Testing
import XMPPBase
import XMPPCapture
import XMPPTransport
@testable import XMPPInspect

/// ``Inspector/pipelined(options:keyLog:output:)`` frames on a thread of its own: whatever the
/// batches, its records and connections are the single-threaded inspector's, byte for byte.
@Suite("Pipelined inspector: reading, framing and records on three threads")
struct PipelinedInspectorTests {
    /// A capture and its key log, if it has one.
    struct Input: CustomStringConvertible, Sendable {
        var path: String
        var keyLog: String?
        var description: String { URL(fileURLWithPath: path).lastPathComponent }
    }

    /// Every bundled capture (with its key log where it has one) and every public one.
    static let inputs: [Input] = {
        let bundled = repositoryRoot.appendingPathComponent("captures")
        let published = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/captures-public")
        var inputs: [Input] = []
        for directory in [bundled, published] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for name in names.sorted() where name.hasSuffix(".pcap") || name.hasSuffix(".pcapng") {
                let keys = directory.appendingPathComponent(name.replacingOccurrences(of: ".pcapng", with: ".keys")
                    .replacingOccurrences(of: ".pcap", with: ".keys")).path
                inputs.append(Input(path: directory.appendingPathComponent(name).path,
                                    keyLog: FileManager.default.fileExists(atPath: keys) ? keys : nil))
            }
        }
        return inputs
    }()

    /// Batch sizes: calls, bytes, batches waiting. One call a batch (one waiting), then batches
    /// ended by a few calls or a few hundred bytes, whichever comes first, then the defaults.
    static let batchings: [(Int, Int, Int)] = [(1, 1, 1), (7, 300, 2), (1024, 64 << 10, 4)]

    /// What a connection description says, as one comparable line.
    static func describe(_ connections: [ConnectionDescription]) -> [String] {
        connections.map {
            "\($0.id) \($0.client) \($0.server) xmpp=\($0.isXMPP) ns=\($0.streamNamespace ?? "-") closed=\($0.closeReason ?? "-") "
                + "tls=\($0.tlsStarted) mid=\($0.joinedMidStream) payload=\($0.carriedPayload) \($0.transport) bosh=\($0.carriesBOSHSession ?? -1) "
                + "http=\($0.httpConnections.map { "\($0.id)@\($0.client)" })"
        }
    }

    /// Collects a pipelined inspector's output on the records thread: the records' JSON lines,
    /// and the connections its output was finished with.
    final class Collected: Sendable {
        let box = ConditionBox<(lines: [[UInt8]], connections: [String]?)>(([], nil))
        let atTimeZero: Bool

        init(atTimeZero: Bool = false) {
            self.atTimeZero = atTimeZero
        }

        var output: RecordOutput {
            RecordOutput(record: { [box, atTimeZero] record in
                let line = PipelinedInspectorTests.line(record, atTimeZero: atTimeZero)
                box.withLock { $0.lines.append(line) }
            }, finish: { [box] connections in
                let described = PipelinedInspectorTests.describe(connections)
                box.withLock { $0.connections = described }
            })
        }

        var lines: [[UInt8]] { box.withLock { $0.lines } }
        var connections: [String]? { box.withLock { $0.connections } }
    }

    static func lines(_ records: [Record]) -> [[UInt8]] {
        records.map { line($0) }
    }

    /// A record's JSON line. A text file's records carry the time it was read
    /// (``Replayer``), different in every replay: `atTimeZero` compares them at time zero.
    static func line(_ record: Record, atTimeZero: Bool = false) -> [UInt8] {
        var record = record
        if atTimeZero { record.timestamp = Timestamp(microseconds: 0) }
        var line: [UInt8] = []
        JSONLinesWriter.encode(record, into: &line)
        return line
    }

    static func keyLog(_ input: Input) throws -> KeyLogFiles? {
        try input.keyLog.map { try KeyLogFiles(paths: [$0], mayGrow: false) { _ in } }
    }

    /// The single-threaded inspector's records and connections, replaying `path`.
    static func alone(_ path: String, keyLog: KeyLogFiles?, atTimeZero: Bool = false) throws -> ([[UInt8]], [String]) {
        var records: [Record] = []
        let inspector = Inspector(options: InspectorOptions(checks: .all), keyLog: keyLog) { records.append($0) }
        _ = try Replayer.replay(path: path, into: inspector)
        return (records.map { line($0, atTimeZero: atTimeZero) }, describe(inspector.connections))
    }

    /// The pipelined inspector's records (collected on the records thread), the connections its
    /// output was finished with, and those it says it saw, replaying `path`.
    static func pipelined(_ path: String, keyLog: TLSSecretsSnapshot?, _ batching: (Int, Int, Int),
                          atTimeZero: Bool = false) throws -> ([[UInt8]], [String]?, [String]) {
        let collected = Collected(atTimeZero: atTimeZero)
        let inspector = Inspector.pipelined(options: InspectorOptions(checks: .all), keyLog: keyLog, output: collected.output,
                                            batchCalls: batching.0, batchBytes: batching.1, queuedBatches: batching.2)
        _ = try Replayer.replay(path: path, into: inspector)
        return (collected.lines, collected.connections, describe(inspector.connections))
    }

    @Test("every capture: the same records in the same order, and the same connections, whatever the batches")
    func sameRecords() throws {
        #expect(Self.inputs.count >= 15, "bundled and public captures: \(Self.inputs.map(\.description))")
        #expect(Self.inputs.filter { $0.keyLog != nil }.count >= 3)
        var compared = 0
        for input in Self.inputs {
            let (expected, connections) = try Self.alone(input.path, keyLog: try Self.keyLog(input))
            #expect(!connections.isEmpty, "\(input)")
            for batching in Self.batchings {
                let (lines, finished, seen) = try Self.pipelined(input.path, keyLog: try Self.keyLog(input)?.snapshot(), batching)
                #expect(lines.count == expected.count, "\(input) \(batching)")
                #expect(lines == expected, "\(input) \(batching)")
                #expect(finished == connections && seen == connections, "\(input) \(batching)")
                compared += lines.count
            }
        }
        #expect(compared > 3 * 1000, "records compared: \(compared)")
    }

    /// `check` reads its key logs once and gives each input's inspector the secrets as read.
    @Test("a key log read once: its snapshot, shared by inspector after inspector, decrypts as the files do")
    func sharedSnapshot() throws {
        let withKeys = Self.inputs.filter { $0.keyLog != nil }
        #expect(withKeys.count >= 3)
        for input in withKeys {
            let files = try #require(try Self.keyLog(input))
            let snapshot = try #require(files.snapshot(), "\(input)")
            let (expected, connections) = try Self.alone(input.path, keyLog: files)
            let (withoutKeys, _) = try Self.alone(input.path, keyLog: nil)
            // The key log matters for this capture: without it, other records come out.
            #expect(expected != withoutKeys, "\(input)")
            for _ in 0..<2 {
                let collected = Collected()
                let inspector = Inspector.pipelined(options: InspectorOptions(checks: .all), keyLog: snapshot, output: collected.output)
                _ = try Replayer.replay(path: input.path, into: inspector)
                #expect(collected.lines == expected, "\(input)")
                #expect(collected.connections == connections, "\(input)")
            }
        }
    }

    @Test("raw stream text: the same records as the single-threaded inspector, whatever the batches")
    func rawText() throws {
        let header = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>"
        let parts: [(Direction?, String)] = [
            (.c2s, header),
            (.s2c, header.replacingOccurrences(of: "to=", with: "from=")),
            (.c2s, "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>"),
            (.s2c, "<iq type='result' id='r1'><query xmlns='jabber:iq:roster'><item jid='romeo@example.net'/></query></iq>"),
            (.c2s, "<message to='romeo@example.net'><body>a broken <b></body></message>"),
            (.c2s, "<presence/>"),
            (.s2c, "</stream:stream>"),
        ]
        let expected = Self.lines(inspectText(parts, options: InspectorOptions(checks: .all)))
        #expect(expected.count >= 8)
        for batching in Self.batchings {
            let collected = Collected()
            let inspector = Inspector.pipelined(options: InspectorOptions(checks: .all), keyLog: nil, output: collected.output,
                                                batchCalls: batching.0, batchBytes: batching.1, queuedBatches: batching.2)
            var time = Timestamp(seconds: 1_700_000_000, microseconds: 0)
            for (direction, text) in parts {
                time.microseconds += 2500
                Array(text.utf8).withUnsafeBytes { inspector.feedRaw($0, direction: direction, at: time) }
            }
            inspector.finishRaw(at: time)
            let lines = collected.lines
            #expect(lines.count == expected.count, "\(batching)")
            #expect(lines == expected, "\(batching)")
            #expect(inspector.connections.map(\.id) == [0])
        }
    }

    @Test("a text file (an undirected console dump, read 64 KiB at a time): the same records, whatever the batches")
    func textFile() throws {
        let header = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>"
        var text = header
        for index in 0..<3000 {
            text += "<iq type='get' id='q\(index)'><ping xmlns='urn:xmpp:ping'/></iq><iq type='result' id='q\(index)'/>"
            if index == 1000 { text += "<message><body>unclosed <b></body></message>" }
        }
        #expect(text.utf8.count > 3 * 65_536, "the file spans several reads")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("xmppscope-pipelined-\(UUID().uuidString).xml")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let (expected, connections) = try Self.alone(file.path, keyLog: nil, atTimeZero: true)
        #expect(expected.count >= 6002)
        for batching in Self.batchings {
            let (lines, finished, seen) = try Self.pipelined(file.path, keyLog: nil, batching, atTimeZero: true)
            #expect(lines.count == expected.count, "\(batching)")
            #expect(lines == expected, "\(batching)")
            #expect(finished == connections && seen == connections, "\(batching)")
        }
    }

    @Test("a proxy's events keep their place among the connection's bytes, whatever the batches")
    func proxyEvents() throws {
        let header = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='x'>"
        let server = Endpoint(address: .v4(0x7F00_0001), port: 5222)
        let client = Endpoint(address: .v4(0x7F00_0001), port: 40_000)
        func drive(_ inspector: Inspector) {
            inspector.connectionOpened(TCPConnectionInfo(id: 7, client: client, server: server, sawHandshake: true,
                                                         firstPacket: 0, openedAt: Timestamp(microseconds: 1_000_000)))
            inspector.connection(7, proxyEvent: .connect, ProxyInfo(server: "127.0.0.1:5222"), direction: .c2s, at: Timestamp(microseconds: 1_000_001))
            let parts: [(Direction, String)] = [
                (.c2s, header), (.c2s, "<iq type='get' id='a'><ping xmlns='urn:xmpp:ping'/></iq>"),
                (.s2c, header.replacingOccurrences(of: "to=", with: "from=") + "<iq type='result' id='a'/>"),
            ]
            for (index, (direction, text)) in parts.enumerated() {
                Array(text.utf8).withUnsafeBytes {
                    inspector.connection(7, received: $0, direction: direction, at: Timestamp(microseconds: 1_000_002 + Int64(index)))
                }
            }
            inspector.connectionClosed(7, reason: .fin, at: Timestamp(microseconds: 1_001_000))
            inspector.connection(7, proxyEvent: .close, ProxyInfo(closedBy: "client", reason: "it closed its side (FIN)"),
                                 direction: .c2s, at: Timestamp(microseconds: 1_001_001))
            inspector.finishAll(at: Timestamp(microseconds: 1_001_002))
        }
        var records: [Record] = []
        drive(Inspector(options: InspectorOptions(keepsElements: false)) { records.append($0) })
        #expect(records.map(\.event) == [.connect, .streamOpen, .stanza, .streamOpen, .stanza, .close])
        let expected = Self.lines(records)
        for batching in Self.batchings {
            let collected = Collected()
            drive(Inspector.pipelined(options: InspectorOptions(keepsElements: false), keyLog: nil, output: collected.output,
                                      batchCalls: batching.0, batchBytes: batching.1, queuedBatches: batching.2))
            #expect(collected.lines == expected, "\(batching)")
        }
    }

    @Test("handOverPending: what was read so far reaches the output before the input ends")
    func handOverPending() throws {
        let collected = Collected()
        // Default batches: nothing this small would be handed on without being asked.
        let inspector = Inspector.pipelined(options: InspectorOptions(keepsElements: false), keyLog: nil, output: collected.output,
                                            batchCalls: 1024, batchBytes: 64 << 10, queuedBatches: 16)
        let text = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='x'>"
            + "<iq type='get' id='a'><ping xmlns='urn:xmpp:ping'/></iq><presence/>"
        Array(text.utf8).withUnsafeBytes { inspector.feedRaw($0, direction: .c2s, at: Timestamp(microseconds: 1)) }
        inspector.handOverPending()
        // Bounded: the two threads get 20 s to pass three records on.
        let deadline = Date().addingTimeInterval(20)
        while collected.lines.count < 3 && Date() < deadline { usleep(2_000) }
        #expect(collected.lines.count == 3, "stream open, iq, presence before the end")
        #expect(collected.connections == nil, "the output is not finished yet")
        inspector.finishRaw(at: Timestamp(microseconds: 2))
        #expect(collected.connections?.count == 1)
    }

    /// Something the output holds on to: gone once the records thread let go of its output.
    final class Sentinel: Sendable {}

    @Test("an inspector let go of unfinished ends its threads and leaves its output unfinished",
          arguments: ["pipelined", "threaded"])
    func letGoOfUnfinished(kind: String) throws {
        let finished = ConditionBox(false)
        weak var released: Sentinel?
        do {
            let sentinel = Sentinel()
            released = sentinel
            let output = RecordOutput(record: { [sentinel] _ in withExtendedLifetime(sentinel) {} },
                                      finish: { [finished] _ in finished.withLock { $0 = true } })
            let inspector = kind == "pipelined"
                ? Inspector.pipelined(options: InspectorOptions(), keyLog: nil, output: output,
                                      batchCalls: 1024, batchBytes: 64 << 10, queuedBatches: 16)
                : Inspector.threaded(options: InspectorOptions(), keyLog: nil, output: output)
            let text = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='x'><presence/>"
            Array(text.utf8).withUnsafeBytes { inspector.feedRaw($0, direction: .c2s, at: Timestamp(microseconds: 1)) }
            inspector.handOverPending()
        }
        // Bounded: the threads get 20 s to end once nobody holds the inspector.
        let deadline = Date().addingTimeInterval(20)
        while released != nil && Date() < deadline { usleep(2_000) }
        #expect(released == nil, "the records thread let go of the output")
        #expect(finished.withLock { $0 } == false, "the output was not finished")
    }
}
