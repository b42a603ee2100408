import Dispatch
import NIOCore
import Testing
import XMPPCore
import XMPPCapture
@testable import XMPPInspect
@testable import XMPPProxy
import XMPPBase

/// Records handed to the sink, and a way to hold the thread that writes them (a slow terminal, say).
final class SlowSink: Sendable {
    private struct State {
        var held = false
        var records: [Record] = []
    }
    private let state = ConditionBox(State())
    private let holding = DispatchSemaphore(value: 0)

    func hold() { state.withLock { $0.held = true } }
    func letGo() { state.withLock { $0.held = false } }
    var records: [Record] { state.withLock { $0.records } }

    /// Waits (10 s at most) until a record is being held; false when none was.
    func waitUntilHolding() -> Bool { holding.wait(timeout: .now() + 10) == .success }

    func take(_ record: Record) {
        let held = state.withLock { state in
            state.records.append(record)
            return state.held
        }
        guard held else { return }
        holding.signal()
        state.withLock(waitingUntil: { !$0.held }) { _ in }
    }
}

@Suite("Inspection beside the relay")
struct InspectionThreadTests {
    private func bytes(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
    private let header = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='x'>"

    @Test("records come out in the order things were handed over, with the reads' times")
    func order() throws {
        let sink = SlowSink()
        let connections = ConditionBox<[ConnectionDescription]>([])
        let inspector = Inspector.threaded(options: InspectorOptions(keepsElements: false), output: RecordOutput(
            record: sink.take, finish: { seen in connections.withLock { $0 = seen } }
        ))
        let thread = InspectionThread(inspector: inspector)
        let opened = Timestamp(microseconds: 1_000_000)
        thread.push(.opened(TCPConnectionInfo(id: 7, client: Endpoint(nil), server: Endpoint(host: "127.0.0.1", port: 5222),
                                              sawHandshake: true, firstPacket: 0, openedAt: opened)))
        thread.push(.proxyEvent(connection: 7, event: .connect, info: ProxyInfo(server: "127.0.0.1:5222"), direction: .c2s,
                                time: Timestamp(microseconds: 1_000_001)))
        thread.push(.bytes(connection: 7, direction: .c2s, buffer: bytes(header), time: Timestamp(microseconds: 1_000_002)))
        thread.push(.bytes(connection: 7, direction: .c2s, buffer: bytes("<iq type='get' id='a'><ping xmlns='urn:xmpp:ping'/></iq>"),
                           time: Timestamp(microseconds: 1_000_003)))
        thread.push(.bytes(connection: 7, direction: .s2c,
                           buffer: bytes("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='x'><iq type='result' id='a'/>"),
                           time: Timestamp(microseconds: 1_000_503)))
        thread.push(.closed(connection: 7, time: Timestamp(microseconds: 1_001_000)))
        thread.push(.proxyEvent(connection: 7, event: .close, info: ProxyInfo(closedBy: "client", reason: "it closed its side (FIN)"),
                                direction: .c2s, time: Timestamp(microseconds: 1_001_001)))
        thread.finish()
        #expect(connections.withLock { $0 }.map(\.id) == [7])
        let records = sink.records
        #expect(records.map(\.event) == [.connect, .streamOpen, .stanza, .streamOpen, .stanza, .close])
        let first = try #require(records.first)
        #expect(records.map(\.seq) == Array(0..<records.count).map { first.seq + $0 })
        let response = try #require(records.first { $0.direction == .s2c && $0.event == .stanza })
        #expect(response.rttMilliseconds == 0.5)
    }

    @Test("a read counts all the storage it holds; past the high-water mark the relay is told to stop, and is called back once the inspector caught up")
    func backPressure() throws {
        #expect(InspectionThread.defaultBacklog == WaterMarks(high: 8 << 20, low: 2 << 20))
        // The inspector writes its records on this thread: holding the sink holds the inspection.
        let sink = SlowSink()
        let thread = InspectionThread(inspector: Inspector(options: InspectorOptions(keepsElements: false), sink: sink.take),
                                      backlog: WaterMarks(high: 16 << 10, low: 4 << 10))
        thread.push(.opened(TCPConnectionInfo(id: 1, client: Endpoint(nil), server: Endpoint(host: "127.0.0.1", port: 5222),
                                              sawHandshake: true, firstPacket: 0, openedAt: .now())))
        sink.hold()
        let first = bytes(header)
        thread.push(.bytes(connection: 1, direction: .c2s, buffer: first, time: .now()))
        #expect(sink.waitUntilHolding())  // in the middle of the header's read, which still counts
        var expected = InspectionThread.heldSize(first)

        // A small read in large storage (as TLS decrypts into) counts the whole storage.
        var small = ByteBufferAllocator().buffer(capacity: 8 << 10)
        small.writeString("<message to='a@x'><body>small</body></message>")
        #expect(InspectionThread.heldSize(small) >= 8 << 10)
        #expect(thread.push(.bytes(connection: 1, direction: .c2s, buffer: small, time: .now())))
        expected += InspectionThread.heldSize(small)
        #expect(thread.queuedByteCount == expected)

        let message = bytes("<message to='a@x'><body>\(String(repeating: "z", count: 900))</body></message>")
        var pushed = 0
        while expected + InspectionThread.heldSize(message) <= 16 << 10 {
            #expect(thread.push(.bytes(connection: 1, direction: .c2s, buffer: message, time: .now())))
            expected += InspectionThread.heldSize(message)
            pushed += 1
        }
        #expect(!thread.push(.bytes(connection: 1, direction: .c2s, buffer: message, time: .now())))  // past the mark
        pushed += 1
        expected += InspectionThread.heldSize(message)
        #expect(thread.queuedByteCount == expected)

        let resumed = DispatchSemaphore(value: 0)
        let backlogWhenResumed = ConditionBox(-1)
        thread.whenDrained {
            backlogWhenResumed.withLock { $0 = thread.queuedByteCount }
            resumed.signal()
        }
        // Still held: only the inspection thread calls back, and it is in the sink.
        #expect(resumed.wait(timeout: .now()) == .timedOut)
        sink.letGo()
        #expect(resumed.wait(timeout: .now() + 10) == .success)
        #expect(backlogWhenResumed.withLock { $0 } <= 4 << 10)
        thread.finish()
        #expect(sink.records.filter { $0.event == .stanza }.count == pushed + 1)

        // Finished: nothing more is taken or called back.
        #expect(thread.push(.bytes(connection: 1, direction: .c2s, buffer: message, time: .now())))
        #expect(thread.queuedByteCount == 0)
        thread.whenDrained { resumed.signal() }
        #expect(resumed.wait(timeout: .now()) == .timedOut)
    }
}
