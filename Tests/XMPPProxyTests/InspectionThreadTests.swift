import Foundation
import NIOCore
import Testing
import XMPPCore
import XMPPCapture
import XMPPInspect
@testable import XMPPProxy
import XMPPBase

/// Records handed to the sink, and a way to hold the records thread (a slow terminal, say).
final class SlowSink: @unchecked Sendable {
    private let lock = NSLock()
    private var held = false
    private var recordsSeen: [Record] = []
    private let release = DispatchSemaphore(value: 0)

    func hold() { lock.withLock { held = true } }
    func letGo() {
        let wasHeld = lock.withLock { () -> Bool in
            defer { held = false }
            return held
        }
        if wasHeld { release.signal() }
    }
    var records: [Record] { lock.withLock { recordsSeen } }

    func take(_ record: Record) {
        let wait = lock.withLock { () -> Bool in
            recordsSeen.append(record)
            return held
        }
        if wait { release.wait() }
    }
}

/// One flag set from another thread.
private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

@Suite("Inspection beside the relay")
struct InspectionThreadTests {
    private func bytes(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    @Test("records come out in the order things were handed over, with the reads' times")
    func order() throws {
        let sink = SlowSink()
        let inspector = Inspector.threaded(options: InspectorOptions(keepsElements: false), output: RecordOutput(record: sink.take))
        let thread = InspectionThread(inspector: inspector)
        let opened = Timestamp(microseconds: 1_000_000)
        thread.push(.opened(TCPConnectionInfo(id: 7, client: Endpoint(nil), server: Endpoint(host: "127.0.0.1", port: 5222),
                                              sawHandshake: true, firstPacket: 0, openedAt: opened)))
        thread.push(.proxyEvent(connection: 7, event: .connect, info: ProxyInfo(server: "127.0.0.1:5222"), direction: .c2s,
                                time: Timestamp(microseconds: 1_000_001)))
        thread.push(.bytes(connection: 7, direction: .c2s,
                           buffer: bytes("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='x'>"),
                           time: Timestamp(microseconds: 1_000_002)))
        thread.push(.bytes(connection: 7, direction: .c2s, buffer: bytes("<iq type='get' id='a'><ping xmlns='urn:xmpp:ping'/></iq>"),
                           time: Timestamp(microseconds: 1_000_003)))
        thread.push(.bytes(connection: 7, direction: .s2c,
                           buffer: bytes("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='x'><iq type='result' id='a'/>"),
                           time: Timestamp(microseconds: 1_000_503)))
        thread.push(.closed(connection: 7, time: Timestamp(microseconds: 1_001_000)))
        thread.push(.proxyEvent(connection: 7, event: .close, info: ProxyInfo(closedBy: "client", reason: "it closed its side (FIN)"),
                                direction: .c2s, time: Timestamp(microseconds: 1_001_001)))
        let connections = thread.finish()
        #expect(connections.map(\.id) == [7])
        let records = sink.records
        #expect(records.map(\.event) == [.connect, .streamOpen, .stanza, .streamOpen, .stanza, .close])
        let first = try #require(records.first)
        #expect(records.map(\.seq) == Array(0..<records.count).map { first.seq + $0 })
        let response = try #require(records.first { $0.direction == .s2c && $0.event == .stanza })
        #expect(response.rttMilliseconds == 0.5)
    }

    @Test("past the high-water mark the relay is told to stop, and is called back once the inspector caught up")
    func backPressure() throws {
        let sink = SlowSink()
        let inspector = Inspector.threaded(options: InspectorOptions(keepsElements: false), output: RecordOutput(record: sink.take))
        let thread = InspectionThread(inspector: inspector, highWater: 4096, lowWater: 1024)
        thread.push(.opened(TCPConnectionInfo(id: 1, client: Endpoint(nil), server: Endpoint(host: "127.0.0.1", port: 5222),
                                              sawHandshake: true, firstPacket: 0, openedAt: .now())))
        sink.hold()  // the first record blocks the records thread, and so, once its queue is full, this one
        thread.push(.bytes(connection: 1, direction: .c2s,
                           buffer: bytes("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='x'>"),
                           time: .now()))
        let message = "<message to='a@x'><body>\(String(repeating: "z", count: 900))</body></message>"
        // One message at a time until one is no longer taken: the inspection thread is blocked
        // behind the records thread (a few batches at most).
        var blocked = false
        for _ in 0..<50 where !blocked {
            thread.push(.bytes(connection: 1, direction: .c2s, buffer: bytes(message), time: .now()))
            blocked = true
            for _ in 0..<200 where thread.queuedByteCount > 0 { Thread.sleep(forTimeInterval: 0.01) }
            blocked = thread.queuedByteCount > 0
        }
        #expect(blocked)
        var told = false
        for _ in 0..<20 where !told {
            told = !thread.push(.bytes(connection: 1, direction: .c2s, buffer: bytes(message), time: .now()))
        }
        #expect(told)
        let resumed = Flag()
        thread.whenDrained { resumed.set() }
        Thread.sleep(forTimeInterval: 0.2)
        #expect(!resumed.isSet)  // still held: the records thread has not moved
        sink.letGo()
        for _ in 0..<500 where !resumed.isSet { Thread.sleep(forTimeInterval: 0.01) }
        #expect(resumed.isSet)
        _ = thread.finish()
        #expect(sink.records.filter { $0.event == .stanza }.count > 4)
    }
}
