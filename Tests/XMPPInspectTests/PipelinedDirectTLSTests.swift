import Foundation
import Synchronization
import Testing
import XMPPBase
import XMPPCapture
import XMPPTransport
@testable import XMPPInspect

/// A pipelined inspector decrypts a share of the direct-TLS sessions (XEP-0368, HTTPS) on its
/// reading thread (``ReadingFront``) and the rest, with STARTTLS, on its framing thread; its
/// records stay the single-threaded inspector's, whatever the share and whatever the connections'
/// bytes do: segments stamped earlier than the ones before, gaps, a ClientHello cut in small
/// pieces, a gap before it, connections the capture ends on.
@Suite("Pipelined inspector: direct TLS on two threads, whatever the segments do")
struct PipelinedDirectTLSTests {
    /// What a reassembler told its delegate, to be told again with changes.
    enum Call {
        case opened(TCPConnectionInfo)
        case received(connection: Int, bytes: [UInt8], direction: Direction, time: Timestamp)
        case missing(connection: Int, count: Int, direction: Direction, time: Timestamp)
        case closed(connection: Int, reason: TCPCloseReason, time: Timestamp)
    }

    final class CallRecorder: TCPStreamDelegate {
        var calls: [Call] = []
        func connectionOpened(_ connection: TCPConnectionInfo) { calls.append(.opened(connection)) }
        func connection(_ id: Int, received bytes: UnsafeRawBufferPointer, direction: Direction, at time: Timestamp) {
            calls.append(.received(connection: id, bytes: Array(bytes.bindMemory(to: UInt8.self)), direction: direction, time: time))
        }
        func connection(_ id: Int, missing count: Int, direction: Direction, at time: Timestamp) {
            calls.append(.missing(connection: id, count: count, direction: direction, time: time))
        }
        func connectionClosed(_ id: Int, reason: TCPCloseReason, at time: Timestamp) {
            calls.append(.closed(connection: id, reason: reason, time: time))
        }
    }

    /// The reassembler's calls for a capture, and its last packet's time.
    static func record(_ path: String) throws -> ([Call], Timestamp) {
        let recorder = CallRecorder()
        let tracker = TCPConnectionTracker()
        var last = Timestamp(microseconds: 0)
        try PcapSource(path: path).forEachPacket { packet in
            last = packet.timestamp
            tracker.process(packet, delegate: recorder)
        }
        tracker.finish(at: last, delegate: recorder)
        return (recorder.calls, last)
    }

    /// Drives the pipelined inspector `pipelined` makes (for a share of the reading thread's, a
    /// batching of ``PipelinedInspectorTests/batchings`` and where its records are collected)
    /// with `calls`, for every share and batching, and expects the single-threaded inspector's
    /// records and connections; returns how many inspectors were compared.
    @discardableResult
    static func expectSameRecordsInEveryShare(
        _ calls: [Call], end: Timestamp, expected: [[UInt8]], connections: [String], label: String,
        pipelined: (ReadingFront.Share, (Int, Int, Int), PipelinedInspectorTests.Collected) -> Inspector
    ) -> Int {
        var compared = 0
        for share in ReadingFront.Share.allShares {
            for batching in PipelinedInspectorTests.batchings {
                let collected = PipelinedInspectorTests.Collected()
                drive(pipelined(share, batching, collected), calls, end: end)
                let lines = collected.lines
                let same = lines == expected
                #expect(same, "\(label) \(share) \(batching): \(lines.count) records, \(expected.count) expected")
                #expect(collected.connections == connections, "\(label) \(share) \(batching)")
                compared += 1
            }
        }
        return compared
    }

    static func drive(_ inspector: Inspector, _ calls: [Call], end: Timestamp) {
        for call in calls {
            switch call {
            case .opened(let info): inspector.connectionOpened(info)
            case .received(let id, let bytes, let direction, let time):
                bytes.withUnsafeBytes { inspector.connection(id, received: $0, direction: direction, at: time) }
            case .missing(let id, let count, let direction, let time): inspector.connection(id, missing: count, direction: direction, at: time)
            case .closed(let id, let reason, let time): inspector.connectionClosed(id, reason: reason, at: time)
            }
        }
        inspector.finishAll(at: end)
    }

    /// Changes to what the reassembler said, each touching what the front must do as the framing stage does.
    enum Variant: String, CaseIterable {
        case asCaptured
        /// Every third segment stamped two seconds before the one it follows (a held segment).
        case earlierTimes
        /// Every fifth segment of each direction after the fourth lost to a gap.
        case gaps
        /// The first three segments of each connection in pieces of 7 bytes: the ClientHello is
        /// completed in some piece, after others were held.
        case smallPieces
        /// A gap in the server's direction before the client said anything: held, with the
        /// ClientHello after it, until the ClientHello is complete.
        case gapBeforeHello
        /// No connection closes: the capture ends on all of them.
        case noCloses
        /// Each connection's first segment from the client (its ClientHello) and no more, no
        /// close: the capture ends in the handshake, which the decoders say as they finish.
        case endsInHandshake
    }

    static func apply(_ variant: Variant, to calls: [Call]) -> [Call] {
        var out: [Call] = []
        var segments: [Int: Int] = [:]
        var perDirection: [String: Int] = [:]
        for call in calls {
            guard case .received(let id, let bytes, let direction, let time) = call else {
                if variant == .noCloses || variant == .endsInHandshake, case .closed = call { continue }
                out.append(call)
                if variant == .gapBeforeHello, case .opened(let info) = call {
                    out.append(.missing(connection: info.id, count: 10, direction: .s2c, time: info.openedAt))
                }
                continue
            }
            let index = segments[id, default: 0]
            segments[id] = index + 1
            let key = "\(id) \(direction)"
            let ofDirection = perDirection[key, default: 0]
            perDirection[key] = ofDirection + 1
            switch variant {
            case .asCaptured, .noCloses, .gapBeforeHello:
                out.append(call)
            case .endsInHandshake:
                if direction == .c2s && ofDirection == 0 { out.append(call) }
            case .earlierTimes:
                out.append(index % 3 == 2
                    ? .received(connection: id, bytes: bytes, direction: direction, time: Timestamp(microseconds: time.microseconds - 2_000_000))
                    : call)
            case .gaps:
                out.append(ofDirection > 4 && ofDirection % 5 == 0
                    ? .missing(connection: id, count: bytes.count, direction: direction, time: time)
                    : call)
            case .smallPieces:
                guard index < 3 else {
                    out.append(call)
                    continue
                }
                for start in stride(from: 0, to: bytes.count, by: 7) {
                    out.append(.received(connection: id, bytes: Array(bytes[start..<min(start + 7, bytes.count)]), direction: direction, time: time))
                }
            }
        }
        return out
    }

    /// The project's direct-TLS capture (XMPP, Prosody and slixmpp) and the two HTTPS ones
    /// (Strophe.js in Chromium, WebSocket and BOSH), each with its key log.
    static let captures = ["c2s-directtls-keylog", "web-wss", "web-https-bosh"]

    static func path(_ name: String, _ suffix: String) -> String {
        repositoryRoot.appendingPathComponent("captures/\(name).\(suffix)").path
    }

    /// The calls with every server on port 5223: direct TLS there is taken for XMPP from its
    /// ClientHello (shown from the first), where on its own port it is once its bytes say so.
    static func onPort5223(_ calls: [Call]) -> [Call] {
        calls.map { call in
            guard case .opened(var info) = call else { return call }
            info.server.port = 5223
            return .opened(info)
        }
    }

    @Test("the single-threaded inspector's records, whatever the segments do", arguments: captures, [false, true])
    func sameRecords(_ name: String, port5223: Bool) throws {
        let (captured, end) = try Self.record(Self.path(name, "pcap"))
        let calls = port5223 ? Self.onPort5223(captured) : captured
        let keyLogPath = Self.path(name, "keys")
        var asCaptured: ([[UInt8]], [String]) = ([], [])
        for variant in Variant.allCases {
            let label = "\(name)\(port5223 ? " on 5223" : "") \(variant)"
            let changed = Self.apply(variant, to: calls)
            var records: [Record] = []
            let keyLog = try KeyLogFiles(paths: [keyLogPath], mayGrow: false) { _ in }
            let alone = Inspector(options: InspectorOptions(checks: .all), keyLog: keyLog) { records.append($0) }
            Self.drive(alone, changed, end: end)
            let expected = PipelinedInspectorTests.lines(records)
            let connections = PipelinedInspectorTests.describe(alone.connections)
            if variant == .asCaptured {
                asCaptured = (expected, connections)
                // Decrypted: without the key log, far fewer records come out.
                var blindRecords: [Record] = []
                let blind = Inspector(options: InspectorOptions(checks: .all)) { blindRecords.append($0) }
                Self.drive(blind, changed, end: end)
                #expect(records.count > blindRecords.count + 20, "\(label): \(records.count) records, \(blindRecords.count) without the key log")
                // Without it the handshakes are still read (shown on 5223), and the pipelined inspector says the same.
                if port5223 { #expect(blindRecords.contains { $0.tls != nil }, "\(label)") }
                let collected = PipelinedInspectorTests.Collected()
                Self.drive(Inspector.pipelined(options: InspectorOptions(checks: .all), keyLog: nil, output: collected.output,
                                               batchCalls: 7, batchBytes: 300, queuedBatches: 2, directTLSShare: .all), changed, end: end)
                let blindSame = collected.lines == PipelinedInspectorTests.lines(blindRecords)
                #expect(blindSame, "\(label) without the key log: \(collected.lines.count) records, \(blindRecords.count) expected")
            } else {
                // The change shows in the records (or, for closes, in how the connections ended),
                // so a front that ignored it would differ; cut in pieces, nothing changes. A gap
                // before the ClientHello shows at least where the connection is shown from the
                // first (on 5223); XMPP on its own port is shown only once decrypted, after it.
                let changes = expected != asCaptured.0 || connections != asCaptured.1
                if variant == .smallPieces {
                    #expect(!changes, "\(label): \(expected.count) records, as captured \(asCaptured.0.count)")
                } else if variant != .gapBeforeHello || port5223 {
                    #expect(changes, "\(label): \(expected.count) records, as captured \(asCaptured.0.count)")
                }
            }
            if variant == .endsInHandshake && port5223 {
                // Shown from the ClientHello: the decoders' last word (an incomplete handshake) is a record.
                #expect(records.contains { $0.tls?.reason != nil }, "\(label)")
            }
            let snapshot = try #require(keyLog.snapshot())
            Self.expectSameRecordsInEveryShare(changed, end: end, expected: expected, connections: connections, label: label) {
                share, batching, collected in
                Inspector.pipelined(options: InspectorOptions(checks: .all), keyLog: snapshot, output: collected.output,
                                    batchCalls: batching.0, batchBytes: batching.1, queuedBatches: batching.2, directTLSShare: share)
            }
        }
    }

    /// A key log that notes, per session, the threads it is asked on.
    final class ThreadNotingLookup: TLSSecretLookup, Sendable {
        let secrets: TLSSecretsSnapshot
        let asked = Mutex<[(random: [UInt8], thread: pthread_t)]>([])
        init(_ secrets: TLSSecretsSnapshot) { self.secrets = secrets }
        var mayGrow: Bool { false }
        func secrets(forClientRandom clientRandom: [UInt8]) -> [KeyLogLabel: [UInt8]]? {
            asked.withLock { $0.append((clientRandom, pthread_self())) }
            return secrets.secrets(forClientRandom: clientRandom)
        }
    }

    @Test("which thread decrypts: the share of direct TLS on the reading thread, the rest and STARTTLS on the framing thread")
    func whereDecrypted() throws {
        let reading = pthread_self()
        let cases: [(String, ReadingFront.Share, Int)] = [
            // Capture, share, sessions asked on the reading thread only (the rest: on the framing thread only).
            ("c2s-directtls-keylog", .all, 2), ("c2s-directtls-keylog", .everyOther, 1), ("c2s-directtls-keylog", .none, 0),
            ("c2s-starttls-keylog", .all, 0),
        ]
        for (name, share, onReading) in cases {
            let files = try KeyLogFiles(paths: [Self.path(name, "keys")], mayGrow: false) { _ in }
            let lookup = ThreadNotingLookup(try #require(files.snapshot()))
            let collected = PipelinedInspectorTests.Collected()
            let inspector = Inspector.pipelined(options: InspectorOptions(), keyLog: lookup, output: collected.output,
                                                batchCalls: 1024, batchBytes: 64 << 10, queuedBatches: 16, directTLSShare: share)
            _ = try Replayer.replay(path: Self.path(name, "pcap"), into: inspector)
            let asked = lookup.asked.withLock { $0 }
            var threads: [[UInt8]: (reading: Int, framing: Int)] = [:]
            for (random, thread) in asked {
                if pthread_equal(thread, reading) != 0 { threads[random, default: (0, 0)].reading += 1 } else { threads[random, default: (0, 0)].framing += 1 }
            }
            // Two sessions in each capture. One the reading thread decrypts is never asked on the
            // framing thread; the others are (the reading thread may have asked once, to decide).
            #expect(threads.count == 2, "\(name) \(share): \(threads.count) sessions asked")
            #expect(threads.values.filter { $0.framing == 0 && $0.reading > 0 }.count == onReading, "\(name) \(share)")
            #expect(threads.values.filter { $0.framing > 0 && $0.reading <= 1 }.count == 2 - onReading, "\(name) \(share)")
            #expect(collected.lines.count > 50, "\(name) \(share)")
        }
    }

    @Test("a session whose key log holds a TLS 1.2 master secret stays on the framing thread (its decoder may need the session cache)")
    func tls12SecretStaysOnFramingThread() throws {
        let original = try String(contentsOfFile: Self.path("c2s-directtls-keylog", "keys"), encoding: .utf8)
        let randoms = Set(original.split(separator: "\n").filter { !$0.hasPrefix("#") }
            .compactMap { $0.split(separator: " ").dropFirst().first.map(String.init) })
        #expect(randoms.count == 2)
        let marked = try #require(randoms.sorted().first)
        let keys = FileManager.default.temporaryDirectory.appendingPathComponent("xmppscope-front-\(UUID().uuidString).keys")
        defer { try? FileManager.default.removeItem(at: keys) }
        try (original + "CLIENT_RANDOM \(marked) \(String(repeating: "00", count: 48))\n").write(to: keys, atomically: true, encoding: .utf8)
        let files = try KeyLogFiles(paths: [keys.path], mayGrow: false) { _ in }
        let lookup = ThreadNotingLookup(try #require(files.snapshot()))
        let collected = PipelinedInspectorTests.Collected()
        let inspector = Inspector.pipelined(options: InspectorOptions(), keyLog: lookup, output: collected.output,
                                            batchCalls: 1024, batchBytes: 64 << 10, queuedBatches: 16, directTLSShare: .all)
        _ = try Replayer.replay(path: Self.path("c2s-directtls-keylog", "pcap"), into: inspector)
        let hex = { (bytes: [UInt8]) in bytes.map { String(format: "%02x", $0) }.joined() }
        let asked = lookup.asked.withLock { $0 }
        let reading = pthread_self()
        let onReading = Set(asked.filter { pthread_equal($0.thread, reading) != 0 }.map { hex($0.random) })
        let onFraming = Set(asked.filter { pthread_equal($0.thread, reading) == 0 }.map { hex($0.random) })
        // The marked session: asked on the reading thread once, to decide, and decrypted on the
        // framing thread; the other decrypted on the reading thread alone.
        #expect(onFraming == [marked], "framing thread asked for \(onFraming.count) sessions")
        #expect(onReading == randoms, "reading thread asked for \(onReading.count) sessions")
    }
}

extension ReadingFront.Share {
    /// Every share the reading thread can take, for tests that must give the same records in each.
    static let allShares: [ReadingFront.Share] = [.none, .everyOther, .threeInFour, .all]
}
