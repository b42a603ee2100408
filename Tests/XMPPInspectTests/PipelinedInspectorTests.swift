import Foundation
import Testing
import XMPPBase
import XMPPCapture
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
        let public_ = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/captures-public")
        var inputs: [Input] = []
        for directory in [bundled, public_] {
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

    /// Batch sizes: calls, bytes, batches waiting. One call a batch and batches cut inside
    /// segments' worth of bytes, then middling, then the defaults.
    static let batchings: [(Int, Int, Int)] = [(1, 1, 1), (7, 300, 2), (1024, 64 << 10, 4)]

    static func lines(_ records: [Record]) -> [[UInt8]] {
        records.map { record in
            var line: [UInt8] = []
            JSONLinesWriter.encode(record, into: &line)
            return line
        }
    }

    static func keyLog(_ input: Input) throws -> KeyLogFiles? {
        try input.keyLog.map { try KeyLogFiles(paths: [$0], mayGrow: false) { _ in } }
    }

    /// The single-threaded inspector's records and connections.
    static func alone(_ input: Input) throws -> ([[UInt8]], [Int]) {
        var records: [Record] = []
        let inspector = Inspector(options: InspectorOptions(checks: .all), keyLog: try keyLog(input)) { records.append($0) }
        _ = try Replayer.replay(path: input.path, into: inspector)
        return (lines(records), inspector.connections.map(\.id))
    }

    /// The pipelined inspector's records (collected on the records thread), the connections its
    /// output was finished with, and those it says it saw.
    static func pipelined(_ input: Input, _ batching: (Int, Int, Int)) throws -> ([[UInt8]], [Int], [Int]) {
        let collected = ConditionBox<([[UInt8]], [Int])>(([], []))
        let inspector = Inspector.pipelined(
            options: InspectorOptions(checks: .all), keyLog: try keyLog(input),
            output: RecordOutput(record: { record in
                var line: [UInt8] = []
                JSONLinesWriter.encode(record, into: &line)
                collected.withLock { $0.0.append(line) }
            }, finish: { connections in collected.withLock { $0.1 = connections.map(\.id) } }),
            batchCalls: batching.0, batchBytes: batching.1, queuedBatches: batching.2)
        _ = try Replayer.replay(path: input.path, into: inspector)
        let (lines, finished) = collected.withLock { $0 }
        return (lines, finished, inspector.connections.map(\.id))
    }

    @Test("every capture: the same records in the same order, and the same connections, whatever the batches")
    func sameRecords() throws {
        #expect(Self.inputs.count >= 15, "bundled and public captures: \(Self.inputs.map(\.description))")
        #expect(Self.inputs.filter { $0.keyLog != nil }.count >= 3)
        var compared = 0
        for input in Self.inputs {
            let (expected, connections) = try Self.alone(input)
            for batching in Self.batchings {
                let (lines, finished, seen) = try Self.pipelined(input, batching)
                #expect(lines.count == expected.count, "\(input) \(batching)")
                #expect(lines == expected, "\(input) \(batching)")
                #expect(finished == connections && seen == connections, "\(input) \(batching)")
                compared += lines.count
            }
        }
        #expect(compared > 3 * 1000, "records compared: \(compared)")
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
            let collected = ConditionBox<[[UInt8]]>([])
            let inspector = Inspector.pipelined(
                options: InspectorOptions(checks: .all), keyLog: nil,
                output: RecordOutput(record: { record in
                    var line: [UInt8] = []
                    JSONLinesWriter.encode(record, into: &line)
                    collected.withLock { $0.append(line) }
                }),
                batchCalls: batching.0, batchBytes: batching.1, queuedBatches: batching.2)
            var time = Timestamp(seconds: 1_700_000_000, microseconds: 0)
            for (direction, text) in parts {
                time.microseconds += 2500
                Array(text.utf8).withUnsafeBytes { inspector.feedRaw($0, direction: direction, at: time) }
            }
            inspector.finishRaw(at: time)
            let lines = collected.withLock { $0 }
            #expect(lines.count == expected.count, "\(batching)")
            #expect(lines == expected, "\(batching)")
            #expect(inspector.connections.map(\.id) == [0])
        }
    }
}
