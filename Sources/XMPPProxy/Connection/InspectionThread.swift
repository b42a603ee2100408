import NIOCore
import XMPPCapture
import XMPPInspect
import XMPPBase

/// Runs the inspector beside the relay: the event loop hands each read over (a reference to the
/// buffer, no copy) and goes on relaying, while this thread frames the bytes and the inspector's
/// own second thread builds and writes the records. What the relay must act on at once (STARTTLS,
/// feature edits) it follows itself (``SessionFollower``); nothing here changes what is relayed.
///
/// Everything about one connection arrives in the order the event loop handed it over, so
/// records keep their order and their timestamps are those of the reads. The bytes waiting here
/// are bounded: past the high-water mark the relay stops reading (``ReadGate``) until this thread
/// is back under the low one, so a slow inspector slows the relay instead of growing memory.
/// A ``HandOffThread`` does the handing over; this says what is handed over and what it costs.
final class InspectionThread: Sendable {
    /// What the event loop hands over.
    enum Item: Sendable {
        case opened(TCPConnectionInfo)
        case bytes(connection: Int, direction: Direction, buffer: ByteBuffer, time: Timestamp)
        case proxyEvent(connection: Int, event: Record.Event, info: ProxyInfo, direction: Direction, time: Timestamp)
        case closed(connection: Int, time: Timestamp)
    }

    /// How many bytes may wait before the relay stops reading, and under how many it reads again.
    static let defaultBacklog = WaterMarks(high: 8 << 20, low: 2 << 20)

    private let handOff: HandOffThread<InspectionConsumer>

    /// `inspector` belongs to this thread from now on.
    init(inspector: consuming sending Inspector, backlog: WaterMarks = InspectionThread.defaultBacklog) {
        handOff = HandOffThread(name: "xmppscope-inspect", waterMarks: backlog, consumer: InspectionConsumer(inspector: inspector))
    }

    /// Hands an item over. Returns false when the bytes waiting passed the high-water mark: the
    /// caller should stop reading until ``whenDrained(_:)`` calls back. Once finishing, the item
    /// is dropped (the proxy is stopping: nothing more is inspected).
    @discardableResult
    func push(_ item: Item) -> Bool {
        handOff.push(item)
    }

    /// Bytes handed over and not inspected yet (for tests).
    var queuedByteCount: Int { handOff.queuedCost }

    /// Memory a queued buffer keeps alive: its whole storage, not only the bytes it shows (the
    /// relay copies small reads out of large storage before handing them over).
    static func heldSize(_ buffer: ByteBuffer) -> Int { max(buffer.storageCapacity, buffer.readableBytes) }

    /// Calls `resume` (on this thread) once the bytes waiting are under the low-water mark; at
    /// once if they are already. Never once the inspector is finishing: the proxy is stopping
    /// then, and its event loop may be gone.
    func whenDrained(_ resume: @escaping @Sendable () -> Void) {
        handOff.whenDrained(resume)
    }

    /// Inspects what is still waiting, ends every connection still open, and waits for the last
    /// record to be written (the inspector's output gets every connection it saw).
    func finish() {
        handOff.close()
    }
}
