import Foundation
import NIOCore
import XMPPCore
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
/// are bounded: past `highWater` the relay stops reading (``ReadGate``) until this thread is back
/// under `lowWater`, so a slow inspector slows the relay instead of growing memory.
final class InspectionThread: @unchecked Sendable {
    /// What the event loop hands over.
    enum Item {
        case opened(TCPConnectionInfo)
        case bytes(connection: Int, direction: Direction, buffer: ByteBuffer, time: Timestamp)
        case proxyEvent(connection: Int, event: Record.Event, info: ProxyInfo, direction: Direction, time: Timestamp)
        case closed(connection: Int, time: Timestamp)
    }

    let highWater: Int
    let lowWater: Int
    private let inspector: Inspector
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var items: [Item] = []
    private var queuedBytes = 0
    private var onDrained: [@Sendable () -> Void] = []
    private var finishing = false
    private var finished = false
    private var consumerWaiting = false
    // The inspection thread's only:
    private var connectionsAtFinish: [ConnectionDescription] = []

    /// `inspector` is used only on this thread from now on.
    init(inspector: Inspector, highWater: Int = 8 << 20, lowWater: Int = 2 << 20) {
        self.inspector = inspector
        self.highWater = highWater
        self.lowWater = lowWater
        let thread = Thread { [self] in run() }
        thread.name = "xmppscope-inspect"
        thread.start()
    }

    /// Hands an item over. Returns false when the bytes waiting passed `highWater`: the caller
    /// should stop reading until ``whenDrained(_:)`` calls back.
    @discardableResult
    func push(_ item: Item) -> Bool {
        var size = 0
        if case .bytes(_, _, let buffer, _) = item { size = Self.heldSize(buffer) }
        condition.lock()
        defer { condition.unlock() }
        guard !finishing else { return true }  // the proxy is stopping: nothing more is inspected
        items.append(item)
        queuedBytes += size
        if consumerWaiting { condition.signal() }
        return queuedBytes <= highWater
    }

    /// Bytes handed over and not inspected yet (for tests).
    var queuedByteCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return queuedBytes
    }

    /// Memory a queued buffer keeps alive: its whole storage, not only the bytes it shows (the
    /// relay copies small reads out of large storage before handing them over).
    static func heldSize(_ buffer: ByteBuffer) -> Int { max(buffer.storageCapacity, buffer.readableBytes) }

    /// Calls `resume` (on this thread) once the bytes waiting are under `lowWater`; at once if
    /// they are already. Never once the inspector has finished: the proxy is stopping then, and
    /// its event loop may be gone.
    func whenDrained(_ resume: @escaping @Sendable () -> Void) {
        condition.lock()
        if finishing {
            condition.unlock()
            return
        }
        if queuedBytes <= lowWater {
            condition.unlock()
            resume()
            return
        }
        onDrained.append(resume)
        condition.unlock()
    }

    /// Inspects what is still waiting, ends every connection still open, waits for the last
    /// record to be written; returns every connection the inspector saw.
    func finish() -> [ConnectionDescription] {
        condition.lock()
        finishing = true
        condition.signal()
        while !finished { condition.wait() }
        condition.unlock()
        return connectionsAtFinish
    }

    private func run() {
        var batch: [Item] = []
        while true {
            condition.lock()
            while items.isEmpty && !finishing {
                consumerWaiting = true
                condition.wait()
                consumerWaiting = false
            }
            swap(&batch, &items)
            let stopping = finishing && batch.isEmpty
            condition.unlock()
            if stopping { break }

            var bytes = 0
            for item in batch { bytes += inspect(item) }
            batch.removeAll(keepingCapacity: true)
            inspector.handOverPending()

            condition.lock()
            queuedBytes -= bytes
            var resumes: [@Sendable () -> Void] = []
            if queuedBytes <= lowWater && !onDrained.isEmpty && !finishing { swap(&resumes, &onDrained) }
            condition.unlock()
            for resume in resumes { resume() }
        }
        inspector.finishAll(at: Timestamp.now())
        connectionsAtFinish = inspector.connections
        condition.lock()
        finished = true
        onDrained = []  // the proxy is stopping: nothing is read any more
        condition.broadcast()
        condition.unlock()
    }

    /// Feeds one item to the inspector; returns the bytes it held.
    private func inspect(_ item: Item) -> Int {
        switch item {
        case .opened(let info):
            inspector.connectionOpened(info)
            return 0
        case .bytes(let id, let direction, let buffer, let time):
            buffer.withUnsafeReadableBytes { inspector.connection(id, received: $0, direction: direction, at: time) }
            return Self.heldSize(buffer)
        case .proxyEvent(let id, let event, let info, let direction, let time):
            inspector.connection(id, proxyEvent: event, info, direction: direction, at: time)
            return 0
        case .closed(let id, let time):
            inspector.connectionClosed(id, reason: .fin, at: time)
            return 0
        }
    }
}
