import XMPPBase
internal import NIOCore
internal import NIOEmbedded
internal import NIOWebSocket

/// One direction's WebSocket frames, decoded by NIOWebSocket's `WebSocketFrameDecoder` in an
/// `EmbeddedChannel` made once per direction.
///
/// The reader reads each frame's header itself first (2–14 bytes) to know where frames begin and
/// end, and to keep from the decoder the frames it would reject and stop at: over the size limit,
/// fragmented or long control frames, reserved opcodes or bits. Those are reported and skipped;
/// decoding goes on with the next frame. Each feed's bytes reach the decoder in one write.
final class WebSocketFrameReader {
    let direction: Direction
    private let limits: WebLimits
    private let deflateAgreed: Bool
    private let channel: EmbeddedChannel
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
    /// Bytes for the decoder not written to it yet.
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
        let maxFrame = min(Int(UInt32.max), max(125, limits.maxMessageBytes))
        do {
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: maxFrame)))
        } catch {
            failed = true
        }
        header.reserveCapacity(14)
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

    /// Writes the pending bytes to the decoder and hands on the frames it completes.
    private func flush(handler: (WebSocketFrameEvent) -> Void) {
        guard pending.readableBytes > 0, !failed else { return }
        let out = pending
        pending = channel.allocator.buffer(capacity: 0)
        do {
            try channel.writeInbound(out)
        } catch {
            failed = true
            handler(.problem(.webSocketProtocol("\(error)"), offset: spans.first?.offset ?? position))
        }
        while let frame = try? channel.readInbound(as: WebSocketFrame.self) {
            guard let span = spans.popFirst() else { break }
            handler(.frame(frame, offset: span.offset, wireBytes: span.wireBytes))
        }
    }
}
