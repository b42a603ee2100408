import XMPPInspect
import XMPPBase

/// What the ``InspectionThread`` does with each item: feeds it to the inspector, which it owns;
/// after each pass the inspector hands its records on.
struct InspectionConsumer: HandOffConsumer {
    private let inspector: Inspector

    init(inspector: consuming sending Inspector) {
        self.inspector = inspector
    }

    /// What a waiting item keeps alive: a read's buffer storage; the rest is small.
    static func cost(of item: InspectionThread.Item) -> Int {
        if case .bytes(_, _, let buffer, _) = item { return InspectionThread.heldSize(buffer) }
        return 0
    }

    func consume(_ items: ArraySlice<InspectionThread.Item>) {
        for item in items { inspect(item) }
        inspector.handOverPending()
    }

    func finish() {
        inspector.finishAll(at: Timestamp.now())
    }

    private func inspect(_ item: InspectionThread.Item) {
        switch item {
        case .opened(let info):
            inspector.connectionOpened(info)
        case .bytes(let id, let direction, let buffer, let time):
            buffer.withUnsafeReadableBytes { inspector.connection(id, received: $0, direction: direction, at: time) }
        case .proxyEvent(let id, let event, let info, let direction, let time):
            inspector.connection(id, proxyEvent: event, info, direction: direction, at: time)
        case .closed(let id, let time):
            inspector.connectionClosed(id, reason: .fin, at: time)
        }
    }
}
