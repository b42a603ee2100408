import Foundation
import Testing
import XMPPBase
import XMPPCapture
import XMPPTransport
@testable import XMPPInspect

/// A pipelined inspector decodes the HTTP and WebSocket layers of a share of the plaintext web
/// connections on its reading thread (``ReadingFront``) and the rest on its framing thread; its
/// records stay the single-threaded inspector's, whatever the share and whatever the
/// connections' bytes do (the changes of ``PipelinedDirectTLSTests``: segments stamped earlier,
/// gaps, a request line cut in small pieces, a gap before it, connections the capture ends on).
@Suite("Pipelined inspector: the web layer on two threads, whatever the segments do")
struct PipelinedWebTests {
    /// The project's plaintext web captures (Strophe.js in Chromium against Prosody): BOSH,
    /// WebSocket with and without permessage-deflate, and the failed attempts.
    static let captures = ["web-bosh", "web-websocket", "web-deflate", "web-deflate-nocontext", "web-failures"]

    @Test("the single-threaded inspector's records, whatever the segments do", arguments: captures)
    func sameRecords(_ name: String) throws {
        let (calls, end) = try PipelinedDirectTLSTests.record(PipelinedDirectTLSTests.path(name, "pcap"))
        var asCaptured: ([[UInt8]], [String]) = ([], [])
        var compared = 0
        for variant in PipelinedDirectTLSTests.Variant.allCases {
            let label = "\(name) \(variant)"
            let changed = PipelinedDirectTLSTests.apply(variant, to: calls)
            var records: [Record] = []
            let alone = Inspector(options: InspectorOptions(checks: .all)) { records.append($0) }
            PipelinedDirectTLSTests.drive(alone, changed, end: end)
            let expected = PipelinedInspectorTests.lines(records)
            let connections = PipelinedInspectorTests.describe(alone.connections)
            if variant == .asCaptured {
                asCaptured = (expected, connections)
                // Web records, and XMPP framed out of them: what a front that lost events would lose.
                #expect(records.filter { $0.http != nil }.count >= 3, "\(label)")
                #expect(records.contains { $0.event == .stanza } || name == "web-failures", "\(label)")
            } else if variant == .smallPieces {
                #expect(expected == asCaptured.0 && connections == asCaptured.1, "\(label): \(expected.count) records, as captured \(asCaptured.0.count)")
            } else if variant != .gapBeforeHello && !(name == "web-failures" && [.earlierTimes, .gaps].contains(variant)) {
                // The change shows in the records or in how the connections ended, so a front
                // that ignored it would differ. (A gap before anything was said is the server's,
                // before a request was answered: the web layer stops that direction either way.
                // The failed attempts are a request and its answer each: too few segments to be
                // stamped earlier or lost.)
                #expect(expected != asCaptured.0 || connections != asCaptured.1, "\(label): \(expected.count) records")
            }
            compared += PipelinedDirectTLSTests.expectSameRecordsInEveryShare(
                changed, end: end, expected: expected, connections: connections, label: label
            ) { share, batching, collected in
                Inspector.pipelined(options: InspectorOptions(checks: .all), keyLog: nil, output: collected.output,
                                    batchCalls: batching.0, batchBytes: batching.1, queuedBatches: batching.2, webShare: share)
            }
        }
        #expect(compared == PipelinedDirectTLSTests.Variant.allCases.count * ReadingFront.Share.allShares.count * PipelinedInspectorTests.batchings.count)
    }

    @Test("the shares take the connections they say, in the order they are found")
    func shares() {
        let found = Array(1...12)
        #expect(found.filter { ReadingFront.Share.none.takes($0) } == [])
        #expect(found.filter { ReadingFront.Share.everyOther.takes($0) } == [1, 3, 5, 7, 9, 11])
        #expect(found.filter { ReadingFront.Share.threeInFour.takes($0) } == [1, 2, 3, 5, 6, 7, 9, 10, 11])
        #expect(found.filter { ReadingFront.Share.all.takes($0) } == found)
    }

    @Test("which thread decodes: every web connection, three in four, every other one, or none on the reading thread")
    func whereDecoded() throws {
        for name in ["web-bosh", "web-websocket"] {
            var taken: [ReadingFront.Share: Int] = [:]
            for share in ReadingFront.Share.allShares {
                let collected = PipelinedInspectorTests.Collected()
                let inspector = Inspector.pipelined(options: InspectorOptions(), keyLog: nil, output: collected.output,
                                                    batchCalls: 1024, batchBytes: 64 << 10, queuedBatches: 16, webShare: share)
                _ = try Replayer.replay(path: PipelinedDirectTLSTests.path(name, "pcap"), into: inspector)
                taken[share] = try #require(inspector.readingFront).webConnectionsDecoded
                #expect(collected.lines.count > 20, "\(name) \(share)")
            }
            let all = try #require(taken[.all])
            #expect(all >= 1, "\(name): \(all) web connections")
            #expect(taken[.none] == 0 && taken[.everyOther] == (all + 1) / 2 && taken[.threeInFour] == all - all / 4, "\(name): \(taken)")
        }
    }
}
