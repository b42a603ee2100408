import XMPPCore
import XMPPBase
import XMPPTransport

/// Frames both directions of an intercepted session on the event loop, for what the relay must
/// act on before the next byte goes across: `<proceed/>` (both legs switch to TLS) and the
/// server's stream features (edited before the client sees them). It is fed the same bytes as
/// the inspector, so its offsets are the inspector's; the inspector itself runs beside the relay
/// on a thread of its own. Only the top of each element is built, and the proxy drops the
/// follower once there is nothing left to act on (the session is bound, or the features after
/// SASL went by, or 4 MiB passed): from then on nothing is framed twice.
final class SessionFollower {
    private let c2s: XMLFramer
    private let s2c: XMLFramer
    /// Stopped: compression began, so nothing after it can be framed.
    private(set) var isStopped = false

    /// TLS is terminated in front of the follower: after `<proceed/>` both sides start new streams.
    private var handOff = StartTLSHandOff(tlsHandling: .terminatedInFront)

    init(limits: FramerLimits) {
        c2s = XMLFramer(limits: limits, content: .topLevel)
        s2c = XMLFramer(limits: limits, content: .topLevel)
        c2s.stopsAtProceed = handOff.framerStopsAtProceed
        s2c.stopsAtProceed = handOff.framerStopsAtProceed
    }

    /// Frames the bytes of one read; `emit` receives the events they complete, in order.
    func feed(_ bytes: UnsafeRawBufferPointer, _ direction: Direction, emit: (consuming FramerEvent) -> Void) {
        guard !isStopped else { return }
        let framer = direction == .c2s ? c2s : s2c
        framer.feed(bytes) { event in
            let topLevel = event.topLevelName
            emit(consume event)
            guard let topLevel else { return }
            // The follower has no clock of its own: the time is not used.
            switch handOff.topLevelElement(name: topLevel.name, namespace: topLevel.namespace, direction: direction,
                                           at: Timestamp(microseconds: 0)) {
            case .restartStreams?: (direction == .c2s ? s2c : c2s).resetForNewStream()
            case .stopDecoding?: isStopped = true
            case nil: break
            }
        }
    }
}
