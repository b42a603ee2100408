import NIOCore
import NIOHTTP1

/// One browser's event stream: where it is in the history. It holds no records of its own: it
/// writes the next kept events while its channel is writable (NIO's write buffer water marks),
/// and again when the channel becomes writable. On the server's event loop.
final class LiveEventSubscriber {
    let channel: any Channel
    /// The next event to write.
    private(set) var nextID: Int
    /// The newest event when it connected: what came later counts towards its backlog.
    let joinedAfter: Int

    init(channel: any Channel, nextID: Int, joinedAfter: Int) {
        self.channel = channel
        self.nextID = nextID
        self.joinedAfter = joinedAfter
    }

    /// Writes what it can of the events it has not had yet, and flushes.
    func pump(_ history: LiveEventHistory) {
        var wrote = false
        if nextID < history.firstID {
            write(ServerSentEvent.dropped(count: history.firstID - nextID, first: history.firstID))
            nextID = history.firstID
            wrote = true
        }
        while channel.isWritable, let frame = history.frame(nextID) {
            channel.write(HTTPServerResponsePart.body(.byteBuffer(frame)), promise: nil)
            nextID += 1
            wrote = true
        }
        if wrote { channel.flush() }
    }

    /// Whether it has fallen too far behind: more than `limit` bytes of events that came after
    /// it connected wait for it, or some of them have already left the history.
    func isOverBacklog(_ history: LiveEventHistory, limit: Int) -> Bool {
        guard let waiting = history.bytes(after: max(nextID - 1, joinedAfter)) else { return true }
        return waiting > limit
    }

    /// Writes bytes outside the history (a notice, a keep-alive) and flushes.
    func write(_ bytes: [UInt8], flush: Bool = false) {
        channel.write(HTTPServerResponsePart.body(.byteBuffer(channel.allocator.buffer(bytes: bytes))), promise: nil)
        if flush { channel.flush() }
    }
}
