import NIOCore
import NIOHTTP1

/// The live view's state, on the server's event loop: the history and the browsers following it.
/// A batch from the records thread is appended, then every browser is given what it can take;
/// one that falls too far behind is disconnected.
final class LiveEventHub {
    private(set) var history: LiveEventHistory
    private var subscribers: [ObjectIdentifier: LiveEventSubscriber] = [:]
    private let allocator = ByteBufferAllocator()
    /// Browsers disconnected for being too slow, since the start.
    private(set) var cutOffCount = 0

    init(limits: LiveHistoryLimits) {
        history = LiveEventHistory(limits: limits)
    }

    var subscriberCount: Int { subscribers.count }

    /// New records: keep them, and pass them on.
    func append(_ batch: LiveEventBatch) {
        history.append(batch, allocator: allocator)
        for subscriber in subscribers.values {
            subscriber.pump(history)
            if subscriber.isOverBacklog(history, limit: history.limits.maxClientBacklogBytes) {
                cutOff(subscriber)
            }
        }
    }

    /// A browser asked for the stream (the response head is written): from the start, or after
    /// the id it saw last.
    func subscribe(_ channel: any Channel, after lastSeen: Int?) -> LiveEventSubscriber {
        let next = max(1, min((lastSeen ?? 0) + 1, history.nextID))
        let subscriber = LiveEventSubscriber(channel: channel, nextID: next, joinedAfter: history.nextID - 1)
        subscribers[ObjectIdentifier(channel)] = subscriber
        subscriber.write(ServerSentEvent.retry)
        subscriber.pump(history)
        channel.flush()
        return subscriber
    }

    /// The browser went away.
    func unsubscribe(_ channel: any Channel) {
        subscribers[ObjectIdentifier(channel)] = nil
    }

    /// Its channel can take more: write on.
    func writable(_ subscriber: LiveEventSubscriber) {
        subscriber.pump(history)
    }

    /// A comment to every browser whose channel can take it, so idle streams stay open.
    func keepAlive() {
        for subscriber in subscribers.values where subscriber.channel.isWritable {
            subscriber.write(ServerSentEvent.keepAlive, flush: true)
        }
    }

    /// Ends every stream (the server stops): what was written goes first, then the end of the
    /// response and the close. Succeeds when all are closed.
    /// After `grace`, streams still open are closed as they are.
    func closeAll(on loop: any EventLoop, grace: TimeAmount) -> EventLoopFuture<Void> {
        var closed: [EventLoopFuture<Void>] = []
        let channels = subscribers.values.map(\.channel)
        for channel in channels {
            closed.append(channel.writeAndFlush(HTTPServerResponsePart.end(nil)).flatMap { channel.close() }
                .recover { _ in })
        }
        subscribers = [:]
        let force = loop.scheduleTask(in: grace) {
            for channel in channels { channel.close(promise: nil) }
        }
        return EventLoopFuture.andAllComplete(closed, on: loop).always { _ in force.cancel() }
    }

    private func cutOff(_ subscriber: LiveEventSubscriber) {
        cutOffCount += 1
        subscribers[ObjectIdentifier(subscriber.channel)] = nil
        subscriber.channel.close(mode: .all, promise: nil)
    }
}
