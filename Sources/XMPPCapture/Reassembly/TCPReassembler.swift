public import XMPPBase

/// What reassembly hands on for one direction: bytes in order, or a hole.
public enum ReassembledChunk {
    /// The next bytes; valid only during the callback.
    case data(UnsafeRawBufferPointer)
    /// This many bytes were never seen (lost from the capture or cut by the snapshot length).
    case gap(Int)
}

/// Puts one direction of a TCP connection back in order by sequence number.
///
/// Retransmissions and overlaps are dropped, out-of-order segments are held until the hole before
/// them fills, and a hole is given up on (reported as a gap) when the other side acknowledges data
/// past it, when too much is held, or at the end. Sequence numbers wrap around.
public struct TCPReassembler {
    /// Bounds on what is held per direction while waiting for a hole to fill.
    public struct Limits: Sendable, Hashable {
        public var maxHeldBytes: Int
        public var maxHeldSegments: Int
        public init(maxHeldBytes: Int = 4 << 20, maxHeldSegments: Int = 4096) {
            self.maxHeldBytes = maxHeldBytes
            self.maxHeldSegments = maxHeldSegments
        }
    }

    private struct HeldSegment {
        var offset: Int64
        var bytes: [UInt8]
        var length: Int
        /// When it was captured: its bytes are handed on with this time, not the time they became in order.
        var timestamp: Timestamp
    }

    /// Receives each chunk with the capture time of the segment it came in.
    public typealias Deliver = (ReassembledChunk, Timestamp) -> Void

    public let limits: Limits
    /// Whether the first sequence number is known (from a SYN or the first segment seen).
    public private(set) var isStarted = false
    /// Stream offset of the next byte expected.
    public private(set) var nextOffset: Int64 = 0
    private var baseSequence: UInt32 = 0
    private var held: [HeldSegment] = []
    private var heldBytes = 0
    private var finOffset: Int64?
    /// Segments that carried only bytes already delivered.
    public private(set) var retransmissions = 0
    /// Segments dropped as too far from the window (a sequence jump).
    public private(set) var outOfWindow = 0
    /// Bytes reported as gaps.
    public private(set) var missingBytes = 0

    /// Segments further ahead than this are taken for a bogus jump, not a hole.
    private static let window: Int64 = 1 << 30

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Whether a FIN was seen and every byte before it delivered.
    public var isFinished: Bool { finOffset.map { nextOffset >= $0 } ?? false }

    /// Starts at a SYN's initial sequence number.
    public mutating func start(synSequence: UInt32) {
        guard !isStarted else { return }
        isStarted = true
        baseSequence = synSequence &+ 1
        nextOffset = 0
    }

    /// The stream offset of a sequence number, unwrapped around `nextOffset`.
    private func offset(of sequence: UInt32) -> Int64 {
        let expected = baseSequence &+ UInt32(truncatingIfNeeded: nextOffset)
        return nextOffset + Int64(Int32(bitPattern: sequence &- expected))
    }

    /// Takes a segment: `payload` is what was captured, `length` what the header says was sent.
    public mutating func receive(
        sequence: UInt32, payload: UnsafeRawBufferPointer, length: Int, fin: Bool, at timestamp: Timestamp,
        deliver: Deliver
    ) {
        if !isStarted {
            guard length > 0 || fin else { return }
            isStarted = true
            baseSequence = sequence
            nextOffset = 0
        }
        let start = offset(of: sequence)
        if start - nextOffset > TCPReassembler.window || nextOffset - start > TCPReassembler.window {
            outOfWindow += 1
            return
        }
        if fin { finOffset = start + Int64(length) }
        guard length > 0 else { return }
        let end = start + Int64(length)
        if end <= nextOffset {
            retransmissions += 1
            return
        }
        if start <= nextOffset {
            emit(offset: start, captured: payload, length: length, at: timestamp, deliver: deliver)
            drainHeld(deliver: deliver)
            return
        }
        hold(HeldSegment(offset: start, bytes: Array(payload.bindMemory(to: UInt8.self)), length: length, timestamp: timestamp))
        while heldBytes > limits.maxHeldBytes || held.count > limits.maxHeldSegments {
            skipToFirstHeld(at: timestamp, deliver: deliver)
        }
    }

    /// The other side acknowledged everything before `acknowledgement`: a hole before that point
    /// will not be filled by a retransmission.
    public mutating func acknowledged(_ acknowledgement: UInt32, at timestamp: Timestamp, deliver: Deliver) {
        guard isStarted else { return }
        var acked = offset(of: acknowledgement)
        guard acked > nextOffset, acked - nextOffset < TCPReassembler.window else { return }
        // A FIN takes a sequence number but carries no byte.
        if let finOffset { acked = min(acked, finOffset) }
        let holeEnd = min(acked, held.first?.offset ?? acked)
        report(gap: Int(holeEnd - nextOffset), at: timestamp, deliver: deliver)
        drainHeld(deliver: deliver)
    }

    /// The connection ended: delivers everything held, with gaps for the holes, and a gap for
    /// bytes before a FIN that never came.
    public mutating func flush(at timestamp: Timestamp, deliver: Deliver) {
        while !held.isEmpty { skipToFirstHeld(at: timestamp, deliver: deliver) }
        if let finOffset, finOffset > nextOffset { report(gap: Int(finOffset - nextOffset), at: timestamp, deliver: deliver) }
    }

    // MARK: Internals

    private mutating func emit(
        offset start: Int64, captured: UnsafeRawBufferPointer, length: Int, at timestamp: Timestamp, deliver: Deliver
    ) {
        let skip = Int(nextOffset - start)
        if skip < captured.count {
            deliver(.data(UnsafeRawBufferPointer(rebasing: captured[skip...])), timestamp)
        }
        let missing = length - max(captured.count, skip)
        nextOffset = start + Int64(length)
        if missing > 0 {
            missingBytes += missing
            deliver(.gap(missing), timestamp)
        }
    }

    private mutating func hold(_ segment: HeldSegment) {
        // Keep `held` sorted by offset; a segment at the same offset keeps the longer copy.
        var low = 0, high = held.count
        while low < high {
            let middle = (low + high) / 2
            if held[middle].offset < segment.offset { low = middle + 1 } else { high = middle }
        }
        if low < held.count && held[low].offset == segment.offset {
            let kept = held[low]
            if kept.length > segment.length || (kept.length == segment.length && kept.bytes.count >= segment.bytes.count) {
                retransmissions += 1
                return
            }
            heldBytes -= held[low].bytes.count
            held[low] = segment
        } else {
            held.insert(segment, at: low)
        }
        heldBytes += segment.bytes.count
    }

    private mutating func drainHeld(deliver: Deliver) {
        while let first = held.first, first.offset <= nextOffset {
            held.removeFirst()
            heldBytes -= first.bytes.count
            if first.offset + Int64(first.length) <= nextOffset {
                retransmissions += 1
                continue
            }
            first.bytes.withUnsafeBytes { bytes in
                emit(offset: first.offset, captured: bytes, length: first.length, at: first.timestamp, deliver: deliver)
            }
        }
    }

    private mutating func skipToFirstHeld(at timestamp: Timestamp, deliver: Deliver) {
        guard let first = held.first else { return }
        if first.offset > nextOffset { report(gap: Int(first.offset - nextOffset), at: first.timestamp, deliver: deliver) }
        drainHeld(deliver: deliver)
    }

    private mutating func report(gap: Int, at timestamp: Timestamp, deliver: Deliver) {
        guard gap > 0 else { return }
        missingBytes += gap
        nextOffset += Int64(gap)
        deliver(.gap(gap), timestamp)
    }
}
