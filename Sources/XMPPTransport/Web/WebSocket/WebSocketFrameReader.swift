import XMPPBase
internal import NIOCore
internal import NIOEmbedded
internal import NIOWebSocket

/// One direction's WebSocket frames, decoded by NIOWebSocket's `WebSocketFrameDecoder`.
///
/// The decoder needs a channel handler context to fire its frames from: an `EmbeddedChannel`, made
/// once per direction, holds a ``DecoderSeat`` whose context the reader hands the decoder, and an
/// ``InboundPartCollector`` that keeps what it fires. The reader calls the decoder itself
/// with the bytes it keeps, rather than writing them through the pipeline: the frames are the same,
/// without the pipeline's work and a new buffer per write.
///
/// The reader reads each frame's header itself first (2–14 bytes) to know where frames begin and
/// end, and to keep from the decoder the frames it would reject and stop at: over the size limit,
/// fragmented or long control frames, reserved opcodes or bits. Those are reported and skipped;
/// decoding goes on with the next frame. Each feed's bytes reach the decoder in one call.
final class WebSocketFrameReader {
    let direction: Direction
    private let limits: WebLimits
    private let deflateAgreed: Bool
    private let channel: EmbeddedChannel
    private let decoder: WebSocketFrameDecoder
    private let collector = InboundPartCollector<WebSocketFrame>()
    /// The seat's context, where the decoder fires the frames it completes; nil when the channel
    /// could not be set up.
    private let seat: ChannelHandlerContext?
    /// Bytes of the direction read so far.
    private(set) var position: Int
    /// The start of the frame being read, while its header is incomplete.
    private var header: [UInt8] = []
    private var headerStart = 0
    /// Payload bytes left of the current frame, and whether they go to the decoder.
    private var payloadRemaining = 0
    private var passing = false
    /// Where each frame given to the decoder begins, and its size, in order.
    private var spans = CircularBuffer<(offset: Int, wireBytes: Int)>(initialCapacity: 16)
    /// Bytes for the decoder: those not given to it yet, after those it has not used yet (the start
    /// of a frame whose payload has not all come).
    private var pending: ByteBuffer
    /// The decoder failed (it should not: what it refuses is kept from it).
    private(set) var failed = false

    /// A reader whose first byte is at `position` of the direction's stream.
    init(direction: Direction, position: Int, limits: WebLimits, deflateAgreed: Bool) {
        self.direction = direction
        self.position = position
        self.limits = limits
        self.deflateAgreed = deflateAgreed
        channel = EmbeddedChannel()
        pending = channel.allocator.buffer(capacity: 0)
        decoder = WebSocketFrameDecoder(maxFrameSize: min(Int(UInt32.max), max(125, limits.maxMessageBytes)))
        seat = DecoderSeat.context(in: channel, before: collector)
        failed = seat == nil
        header.reserveCapacity(14)
    }

    deinit {
        // Closing the channel takes its pipeline apart; without it the two keep each other alive.
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }

    /// Whether a frame has begun and not ended.
    var isInsideFrame: Bool { !header.isEmpty || payloadRemaining > 0 }

    func feed(_ bytes: UnsafeRawBufferPointer, handler: (WebSocketFrameEvent) -> Void) {
        guard !failed, !bytes.isEmpty else { return }
        pending.reserveCapacity(minimumWritableBytes: bytes.count)
        var index = 0
        while index < bytes.count {
            if payloadRemaining > 0 {
                let take = min(payloadRemaining, bytes.count - index)
                if passing { pending.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[index..<(index + take)])) }
                payloadRemaining -= take
                index += take
                position += take
                continue
            }
            if header.isEmpty { headerStart = position }
            // Take header bytes, no more than the header needs.
            while index < bytes.count && header.count < WebSocketFrameHeader.lengthNeeded(header) {
                header.append(bytes[index])
                index += 1
                position += 1
            }
            guard let read = WebSocketFrameHeader.read(header) else { break }
            switch read {
            case .invalid(let reason):
                flush(handler: handler)
                handler(.problem(.webSocketProtocol("\(reason): the rest of this direction is not decoded"), offset: headerStart))
                failed = true
                header.removeAll(keepingCapacity: true)
                index = bytes.count
            case .header(let frame):
                passing = admit(frame, handler: handler)
                if passing {
                    pending.writeBytes(header)
                    spans.append((headerStart, frame.wireBytes))
                } else {
                    handler(.skipped(opcode: frame.opcode, fin: frame.fin))
                }
                payloadRemaining = frame.payloadLength
                header.removeAll(keepingCapacity: true)
            }
        }
        flush(handler: handler)
    }

    /// Whether a frame goes to the decoder; reports what is wrong with it.
    private func admit(_ frame: WebSocketFrameHeader, handler: (WebSocketFrameEvent) -> Void) -> Bool {
        func refuse(_ problem: WebProblemKind) -> Bool {
            flush(handler: handler)
            handler(.problem(problem, offset: headerStart))
            return false
        }
        switch frame.opcode {
        case 0x0, 0x1, 0x2, 0x8, 0x9, 0xA: break
        default: return refuse(.webSocketProtocol("a frame with the reserved opcode \(frame.opcode)"))
        }
        if frame.isControl && !frame.fin { return refuse(.webSocketProtocol("a fragmented control frame")) }
        if frame.isControl && frame.payloadLength > 125 {
            return refuse(.webSocketProtocol("a control frame of \(frame.payloadLength) bytes (at most 125)"))
        }
        if frame.reservedBits & 0x30 != 0 { return refuse(.webSocketProtocol("a frame with RSV2 or RSV3 set")) }
        if frame.reservedBits & 0x40 != 0 {
            if !deflateAgreed { return refuse(.webSocketProtocol("a frame with RSV1 set, and no permessage-deflate agreed")) }
            if frame.opcode == 0 || frame.isControl {
                return refuse(.webSocketProtocol("RSV1 set on a continuation or control frame"))
            }
        }
        if frame.payloadLength > limits.maxMessageBytes {
            return refuse(.frameTooLarge(size: frame.payloadLength, limit: limits.maxMessageBytes))
        }
        if frame.masked == (direction == .s2c) {
            // Still decoded; reported before it, after the frames before it.
            flush(handler: handler)
            handler(.problem(direction == .c2s ? .unmaskedClientFrame : .maskedServerFrame, offset: headerStart))
        }
        return true
    }

    /// Gives the pending bytes to the decoder and hands on the frames it completes.
    private func flush(handler: (WebSocketFrameEvent) -> Void) {
        guard pending.readableBytes > 0, !failed, let seat else { return }
        do {
            while try decoder.decode(context: seat, buffer: &pending) == .continue {}
        } catch {
            failed = true
            handler(.problem(.webSocketProtocol("\(error)"), offset: spans.first?.offset ?? position))
        }
        while let frame = collector.next() {
            guard let span = spans.popFirst() else { continue }
            handler(.frame(frame, offset: span.offset, wireBytes: span.wireBytes))
        }
        reclaimPending()
    }

    /// Keeps the pending buffer for the next bytes. The frames handed on are gone by now, so it is
    /// the buffer's only owner and emptying it copies nothing; a buffer grown past
    /// ``largestKeptBuffer`` for one large frame is let go, even when a frame's first bytes are
    /// left in it.
    private func reclaimPending() {
        pending.reclaim(keepingAtMost: Self.largestKeptBuffer)
    }

    /// The most bytes the pending buffer keeps between frames.
    private static let largestKeptBuffer = 64 * 1024
}
