import XMPPBase
internal import NIOCore
internal import NIOWebSocket

/// One direction's WebSocket messages from its frames: fragments joined (control frames may come
/// between them), payloads unmasked, compressed messages inflated (permessage-deflate, RFC 7692:
/// one inflate stream per direction, reset after each message when the sender takes no context
/// over), text checked for UTF-8.
final class WebSocketMessageAssembler {
    let direction: Direction
    private let limits: WebLimits
    /// The direction's inflate stream when permessage-deflate was agreed.
    private let inflater: ZlibInflater?
    /// The sender starts each compressed message afresh (`*_no_context_takeover`).
    private let resetsContext: Bool
    /// An inflate failed and the sender keeps its context: no later compressed message can inflate.
    private var inflateBroken = false
    /// The data message being joined.
    private var message: WebSocketMessage?
    /// The rest of a dropped message's fragments are skipped, up to its last.
    private var discarding = false

    private static let deflateTail: [UInt8] = [0x00, 0x00, 0xFF, 0xFF]

    init(direction: Direction, limits: WebLimits, deflate: PerMessageDeflate?) {
        self.direction = direction
        self.limits = limits
        if let deflate {
            let bits = direction == .c2s ? deflate.clientMaxWindowBits : deflate.serverMaxWindowBits
            inflater = ZlibInflater(format: .rawDeflate(windowBits: bits))
            resetsContext = direction == .c2s ? deflate.clientNoContextTakeover : deflate.serverNoContextTakeover
        } else {
            inflater = nil
            resetsContext = false
        }
    }

    /// Whether a message has begun and not ended.
    var hasOpenMessage: Bool { message != nil }

    func take(_ event: WebSocketFrameEvent, emit: (WebEvent) -> Void) {
        switch event {
        case .problem(let kind, let offset):
            emit(.problem(direction, WebProblem(kind: kind, offset: offset)))
        case .skipped(let opcode, let fin):
            if opcode <= 0x2 {
                // A data frame not decoded: its message cannot be whole.
                message = nil
                discarding = !fin
            }
        case .frame(let frame, let offset, let wireBytes):
            take(frame, offset: offset, wireBytes: wireBytes, emit: emit)
        }
    }

    private func take(_ frame: WebSocketFrame, offset: Int, wireBytes: Int, emit: (WebEvent) -> Void) {
        switch frame.opcode {
        case .connectionClose, .ping, .pong:
            if frame.opcode == .connectionClose && frame.length == 1 {
                problem(.webSocketProtocol("a close frame with a 1-byte body (a status code takes 2)"), offset, emit)
            }
            emit(.webSocketControl(direction, control(frame), offset: offset))
        case .text, .binary:
            if let open = message {
                problem(.webSocketProtocol("a new message began before the one at byte \(open.offset) ended"), offset, emit)
            }
            discarding = false
            message = WebSocketMessage(direction: direction, isText: frame.opcode == .text, payload: [],
                                       frames: 0, compressed: frame.rsv1, offset: offset, wireBytes: 0)
            append(frame, wireBytes: wireBytes, emit: emit)
        case .continuation:
            if discarding {
                discarding = !frame.fin
                return
            }
            guard message != nil else {
                problem(.webSocketProtocol("a continuation frame with no message begun"), offset, emit)
                return
            }
            append(frame, wireBytes: wireBytes, emit: emit)
        default:
            // The reader keeps reserved opcodes from the decoder.
            problem(.webSocketProtocol("a frame with the reserved opcode \(frame.opcode)"), offset, emit)
        }
    }

    private func append(_ frame: WebSocketFrame, wireBytes: Int, emit: (WebEvent) -> Void) {
        guard var open = message else { return }
        message = nil  // keeps the payload array uniquely referenced while it grows
        let total = open.payload.count + frame.length
        guard total <= limits.maxMessageBytes else {
            problem(.frameTooLarge(size: total, limit: limits.maxMessageBytes), open.offset, emit)
            discarding = !frame.fin
            return
        }
        Self.appendUnmasked(frame, to: &open.payload)
        open.frames += 1
        open.wireBytes += wireBytes
        if frame.fin {
            complete(open, emit: emit)
        } else {
            message = open
        }
    }

    private func complete(_ finished: WebSocketMessage, emit: (WebEvent) -> Void) {
        var finished = finished
        if finished.compressed {
            guard let payload = inflate(finished.payload, offset: finished.offset, emit: emit) else { return }
            finished.payload = payload
        }
        if finished.isText && !UTF8Validation.isValid(finished.payload) {
            problem(.invalidUTF8, finished.offset, emit)
        }
        emit(.webSocketMessage(finished))
    }

    /// The inflated message, or nil (reported) when it did not inflate or is over the limit.
    private func inflate(_ compressed: [UInt8], offset: Int, emit: (WebEvent) -> Void) -> [UInt8]? {
        guard let inflater else { return nil }
        if inflateBroken { return nil }  // said once, at the failure
        defer { if resetsContext { inflater.reset() } }
        var output: [UInt8] = []
        output.reserveCapacity(min(limits.maxMessageBytes, compressed.count * 4))
        var size = 0
        let limit = limits.maxMessageBytes
        let collect: (UnsafeRawBufferPointer) -> Void = { piece in
            // Past the limit the stream is still inflated (its window serves the next message), not kept.
            size += piece.count
            if size <= limit { output.append(contentsOf: piece) }
        }
        var failure: ZlibInflater.Failure?
        for part in [compressed, Self.deflateTail] where failure == nil {
            part.withUnsafeBytes { bytes in
                do throws(ZlibInflater.Failure) { try inflater.inflate(bytes, output: collect) } catch { failure = error }
            }
        }
        if let error = failure {
            let consequence = resetsContext ? "" : "; this sender keeps its compression context, so its later compressed messages cannot be inflated either"
            problem(.inflateFailed("\(error)\(consequence)"), offset, emit)
            inflateBroken = !resetsContext
            return nil
        }
        if size > limit {
            problem(.frameTooLarge(size: size, limit: limit), offset, emit)
            return nil
        }
        return output
    }

    private func control(_ frame: WebSocketFrame) -> WebSocketControl {
        var payload: [UInt8] = []
        Self.appendUnmasked(frame, to: &payload)
        switch frame.opcode {
        case .ping: return .ping(payload: payload)
        case .pong: return .pong(payload: payload)
        default:
            guard payload.count >= 2 else { return .close(code: nil, reason: "") }
            let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
            return .close(code: code, reason: String(decoding: payload[2...], as: UTF8.self))
        }
    }

    private func problem(_ kind: WebProblemKind, _ offset: Int, _ emit: (WebEvent) -> Void) {
        emit(.problem(direction, WebProblem(kind: kind, offset: offset)))
    }

    /// Appends a frame's payload with its mask removed: the one copy of its bytes.
    private static func appendUnmasked(_ frame: WebSocketFrame, to payload: inout [UInt8]) {
        let start = payload.count
        frame.data.withUnsafeReadableBytes { payload.append(contentsOf: $0) }
        guard let key = frame.maskKey, payload.count > start else { return }
        // Eight bytes at a time: the key repeated twice, in memory order (RFC 6455 §5.3).
        var wide: UInt64 = 0
        withUnsafeMutableBytes(of: &wide) { for index in 0..<8 { $0[index] = key[index & 3] } }
        payload.withUnsafeMutableBytes { raw in
            let bytes = raw.baseAddress! + start
            let count = raw.count - start
            var index = 0
            while index + 8 <= count {
                let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                bytes.storeBytes(of: word ^ wide, toByteOffset: index, as: UInt64.self)
                index += 8
            }
            while index < count {
                bytes.storeBytes(of: bytes.load(fromByteOffset: index, as: UInt8.self) ^ key[index & 3], toByteOffset: index, as: UInt8.self)
                index += 1
            }
        }
    }
}
