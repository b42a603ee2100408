import XMPPCore
import XMPPBase
import XMPPTransport

/// Per-connection state of the framing stage.
final class FramingSession {
    enum Verdict { case undecided, xmpp, other }
    let id: Int
    let joinedMidStream: Bool
    var verdict: Verdict = .undecided
    var carriedPayload = false
    /// Bytes (or gaps, as nil) held until the connection is recognised.
    var pending: [(Direction, [UInt8]?, Int, Timestamp)] = []
    var pendingBytes: [[UInt8]] = [[], []]
    let c2s: XMLFramer
    let s2c: XMLFramer
    /// Where the plaintext stream ends (STARTTLS, compression), and what follows.
    var handOff: StartTLSHandOff
    /// Per direction, the latest capture time of bytes handed on: an element is complete only when
    /// its last byte is in, and a held out-of-order segment may have been captured earlier.
    private var clocks = (c2s: Timestamp(microseconds: .min), s2c: Timestamp(microseconds: .min))

    init(id: Int, options: InspectorOptions, joinedMidStream: Bool) {
        self.id = id
        self.joinedMidStream = joinedMidStream
        let content: XMLFramer.Content = options.keepsElements ? .full : .topLevel
        c2s = XMLFramer(limits: options.limits, content: content)
        s2c = XMLFramer(limits: options.limits, content: content)
        handOff = StartTLSHandOff(tlsHandling: options.tlsTerminated ? .terminatedInFront : .opaque)
        c2s.stopsAtProceed = handOff.framerStopsAtProceed
        s2c.stopsAtProceed = handOff.framerStopsAtProceed
    }

    func framer(_ direction: Direction) -> XMLFramer { direction == .c2s ? c2s : s2c }

    func advanceClock(_ direction: Direction, to time: Timestamp) -> Timestamp {
        if direction == .c2s {
            clocks.c2s = max(clocks.c2s, time)
            return clocks.c2s
        }
        clocks.s2c = max(clocks.s2c, time)
        return clocks.s2c
    }
}
