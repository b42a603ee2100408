import Testing
import XMPPCapture
import XMPPCore
import XMPPInspect
import XMPPBase

/// Feeds TCP segments straight into the tracker and inspector.
private final class SegmentFeeder {
    var records: [Record] = []
    lazy var inspector = Inspector { [unowned self] in self.records.append($0) }
    let tracker = TCPConnectionTracker()
    let client = Endpoint(address: .v4(0x0A00_0001), port: 40000)
    let server = Endpoint(address: .v4(0x0A00_0002), port: 5222)

    func send(fromClient: Bool, _ sequence: UInt32, _ text: String, at micros: Int64, flags: TCPFlags = [.ack, .psh], ack: UInt32 = 0) {
        Array(text.utf8).withUnsafeBytes { bytes in
            let segment = TCPSegment(
                packet: 0, timestamp: Timestamp(microseconds: micros),
                source: fromClient ? client : server, destination: fromClient ? server : client,
                sequence: sequence, acknowledgement: ack, flags: flags, payload: bytes
            )
            tracker.process(segment, delegate: inspector)
        }
    }

    func finish() {
        tracker.finish(at: Timestamp(microseconds: 0), delegate: inspector)
        inspector.finishAll(at: Timestamp(microseconds: 0))
    }
}

@Suite("Capture edge cases through the inspector")
struct CaptureEdgeTests {
    static let header = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='x'>"

    @Test("a capture that begins inside <auth> does not show the secret")
    func joinedInsideAuth() {
        let feeder = SegmentFeeder()
        feeder.send(fromClient: true, 1000, "AGFsaWNlAHNlY3JldA==</auth><presence/>", at: 1)
        feeder.finish()
        let skipped = feeder.records.first { $0.event == .parseError }
        #expect(skipped?.error?.condition == "joined-mid-stream")
        #expect(skipped?.redacted == true)
        #expect(feeder.records.allSatisfy { $0.xml?.contains("AGFsaWNlAHNlY3JldA==") != true })
        #expect(feeder.records.contains { $0.kind == "presence" })
    }

    @Test("bytes after a gap, before the next stanza, are reported")
    func bytesAfterGap() {
        let feeder = SegmentFeeder()
        feeder.send(fromClient: true, 0, "", at: 1, flags: [.syn])
        feeder.send(fromClient: true, 1, Self.header + "<message><body>hel", at: 2)
        feeder.send(fromClient: true, UInt32(1 + Self.header.utf8.count + 18 + 50), "lo</body></message><presence/>", at: 3)
        feeder.finish()
        let errors = feeder.records.filter { $0.event == .parseError }
        #expect(errors.map { $0.error?.condition } == ["not-well-formed", "joined-mid-stream"])
        #expect(errors.last?.byteCount == 19)
        #expect(feeder.records.contains { $0.event == .gap && $0.byteCount == 50 })
        #expect(feeder.records.contains { $0.kind == "presence" })
    }

    @Test("an element completed by a segment captured later carries the later time")
    func completionTime() {
        let feeder = SegmentFeeder()
        let first = Self.header + "<iq type='get' id='1'>"
        feeder.send(fromClient: true, 0, "", at: 1, flags: [.syn])
        // The tail is captured first (t=5), the head later (t=10): the iq is complete at t=10.
        feeder.send(fromClient: true, UInt32(1 + first.utf8.count), "<ping xmlns='urn:xmpp:ping'/></iq>", at: 5)
        feeder.send(fromClient: true, 1, first, at: 10)
        feeder.finish()
        let iq = feeder.records.first { $0.kind == "iq" }
        #expect(iq?.timestamp.microseconds == 10)
    }
}
