public import XMPPBase

/// XEP-0198 on one connection: how many stanzas each side has sent since counting began, what
/// each side last acknowledged, and the `<r/>` requests still waiting for an `<a/>`. Counts wrap
/// at 2^32, as `h` does.
public struct StreamManagementCounters: Sendable {
    /// Stanzas sent in a direction since that direction's counting began; nil before it began.
    public private(set) var sent: [Direction: UInt32] = [:]
    /// The `h` of the last `<a/>` sent in a direction (acknowledging the other direction's stanzas).
    public private(set) var lastAck: [Direction: (h: UInt32, seq: Int)] = [:]
    /// `<r/>` sent in a direction and not yet answered (bounded: see ``PendingStreamManagementRequests``).
    public private(set) var pendingRequests: [Direction: PendingStreamManagementRequests] = [:]
    /// Where counting began in each direction (the `<enable/>`, `<enabled/>` or `<resumed/>`).
    public private(set) var startSeq: [Direction: Int] = [:]

    public init() {}

    /// Whether stanzas sent in `direction` are being counted.
    public func isCounting(_ direction: Direction) -> Bool { sent[direction] != nil }

    /// Starts counting stanzas sent in `direction` at `value`.
    public mutating func startCounting(_ direction: Direction, at value: UInt32, seq: Int) {
        sent[direction] = value
        startSeq[direction] = seq
        pendingRequests[direction] = nil
    }

    /// A stanza went `direction`.
    public mutating func stanzaSent(_ direction: Direction) {
        if let count = sent[direction] { sent[direction] = count &+ 1 }
    }

    /// An `<r/>` went `direction`.
    public mutating func requestSent(_ direction: Direction, seq: Int) {
        guard let count = sent[direction] else { return }
        pendingRequests[direction, default: PendingStreamManagementRequests()].append(.init(seq: seq, sentBefore: count))
    }

    /// An `<a h/>` went `direction`: the requests it answers (sent the other way) are done.
    public mutating func ackSent(_ direction: Direction, h: UInt32, seq: Int) {
        lastAck[direction] = (h, seq)
        pendingRequests[direction.opposite] = nil
    }

    /// Whether `a` comes at or before `b` in `h`'s wrapping order: `b` is `a` plus less than 2^31.
    public static func isAtMost(_ a: UInt32, _ b: UInt32) -> Bool {
        Int32(bitPattern: b &- a) >= 0
    }

    /// Stream management ended on this connection (`<failed/>`, or a new stream without it).
    public mutating func reset() {
        self = StreamManagementCounters()
    }
}
