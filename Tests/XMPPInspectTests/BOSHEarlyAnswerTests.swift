import Testing
import XMPPBase
import XMPPCapture
@testable import XMPPInspect

/// A BOSH connection manager may answer a request before the client has sent all of its body
/// (an early 400 or 413): the answer is shown after its request, as the answer to that request,
/// whichever thread decodes the web layer.
@Suite("BOSH: an answer that comes before its request has ended")
struct BOSHEarlyAnswerTests {
    static let ns = "http://jabber.org/protocol/httpbind"

    static func post(_ body: String) -> String {
        "POST /http-bind HTTP/1.1\r\nHost: example.org\r\nContent-Type: text/xml\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    static func answer(_ status: String, _ body: String) -> String {
        "HTTP/1.1 \(status)\r\nContent-Type: text/xml\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    /// A session created, then a request whose answer comes while its last 10 bytes are still to come.
    static func drive(_ inspector: Inspector) {
        let server = Endpoint(address: .v4(0x7F00_0001), port: 5280)
        let client = Endpoint(address: .v4(0x7F00_0001), port: 40_000)
        inspector.connectionOpened(TCPConnectionInfo(id: 3, client: client, server: server, sawHandshake: true,
                                                     firstPacket: 0, openedAt: Timestamp(microseconds: 1_000_000)))
        let second = Array(post("<body rid='2' sid='s1' xmlns='\(ns)'><message to='b@example.org' xmlns='jabber:client'><body>hi</body></message></body>").utf8)
        let parts: [(Direction, [UInt8])] = [
            (.c2s, Array(post("<body rid='1' xmlns='\(ns)' to='example.org' wait='60' hold='1'/>").utf8)),
            (.s2c, Array(answer("200 OK", "<body sid='s1' xmlns='\(ns)' wait='60'/>").utf8)),
            (.c2s, Array(second.dropLast(10))),
            (.s2c, Array(answer("200 OK", "<body xmlns='\(ns)'><message from='b@example.org' xmlns='jabber:client'/></body>").utf8)),
            (.c2s, Array(second.suffix(10))),
        ]
        for (index, (direction, bytes)) in parts.enumerated() {
            bytes.withUnsafeBytes { inspector.connection(3, received: $0, direction: direction, at: Timestamp(microseconds: 1_000_001 + Int64(index))) }
        }
        inspector.connectionClosed(3, reason: .fin, at: Timestamp(microseconds: 1_001_000))
        inspector.finishAll(at: Timestamp(microseconds: 1_001_001))
    }

    @Test("the answer is the request's: its rid, after it, its stanza shown; the pipelined inspector says the same")
    func answerIsTheRequests() {
        var records: [Record] = []
        Self.drive(Inspector { records.append($0) })
        let http = records.filter { $0.event == .http }
        #expect(http.map(\.kind) == ["request", "response", "request", "response"])
        #expect(http.map(\.rid) == [1, 1, 2, 2])
        #expect(records.filter { $0.event == .stanza }.map(\.direction) == [.c2s, .s2c])
        #expect(records.filter { $0.event == .webError }.isEmpty)
        for share in [ReadingFront.Share.none, .all] {
            let collected = PipelinedInspectorTests.Collected()
            Self.drive(Inspector.pipelined(options: InspectorOptions(), keyLog: nil, output: collected.output,
                                           batchCalls: 2, batchBytes: 200, queuedBatches: 2, webShare: share))
            #expect(collected.lines == PipelinedInspectorTests.lines(records), "\(share)")
        }
    }
}
