import XMPPBase
import XMPPTransport

/// Feeds a ``WebConnectionDecoder`` and keeps what it reports, with helpers to pick events out.
final class WebDecoderHarness {
    let decoder: WebConnectionDecoder
    private(set) var events: [WebEvent] = []

    init(limits: WebLimits = .default) {
        decoder = WebConnectionDecoder(limits: limits)
    }

    func feed(_ direction: Direction, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { decoder.feed(direction, $0) { events.append($0) } }
    }

    func feed(_ direction: Direction, _ text: String) { feed(direction, Array(text.utf8)) }

    func gap(_ direction: Direction, missing: Int) { decoder.gap(direction, missing: missing) { events.append($0) } }

    func finish() { decoder.finish { events.append($0) } }

    var requests: [(info: HTTPRequestInfo, body: [UInt8])] {
        events.compactMap { if case .request(let info, let body) = $0 { (info, body) } else { nil } }
    }

    var responses: [(info: HTTPResponseInfo, body: [UInt8])] {
        events.compactMap { if case .response(let info, let body) = $0 { (info, body) } else { nil } }
    }

    var handshakes: [WebSocketHandshake] {
        events.compactMap { if case .webSocketOpened(let handshake) = $0 { handshake } else { nil } }
    }

    func messages(_ direction: Direction) -> [WebSocketMessage] {
        events.compactMap { if case .webSocketMessage(let message) = $0, message.direction == direction { message } else { nil } }
    }

    func controls(_ direction: Direction) -> [WebSocketControl] {
        events.compactMap { if case .webSocketControl(direction, let control, _) = $0 { control } else { nil } }
    }

    func problems(_ direction: Direction) -> [WebProblem] {
        events.compactMap { if case .problem(direction, let problem) = $0 { problem } else { nil } }
    }

    /// The events of one direction (and the handshake), in order: what must not depend on how bytes were split.
    func events(of direction: Direction) -> [WebEvent] {
        events.filter { event in
            switch event {
            case .request: direction == .c2s
            case .response, .webSocketOpened: direction == .s2c
            case .webSocketMessage(let message): message.direction == direction
            case .webSocketControl(let d, _, _), .problem(let d, _): d == direction
            }
        }
    }
}

/// A WebSocket frame built by hand (RFC 6455 §5.2): the shortest length encoding unless `longLength`.
func webSocketFrame(opcode: UInt8, _ payload: [UInt8], fin: Bool = true, rsv1: Bool = false,
                    mask: [UInt8]? = nil, longLength: Bool = false) -> [UInt8] {
    var frame: [UInt8] = [(fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode]
    let maskBit: UInt8 = mask == nil ? 0 : 0x80
    if payload.count < 126 && !longLength {
        frame.append(maskBit | UInt8(payload.count))
    } else if payload.count < 65536 && !longLength {
        frame += [maskBit | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
    } else {
        frame.append(maskBit | 127)
        frame += (0..<8).map { UInt8(truncatingIfNeeded: payload.count >> (56 - 8 * $0)) }
    }
    if let mask {
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset & 3] }
    } else {
        frame += payload
    }
    return frame
}

/// A client frame: masked with a fixed key.
func clientFrame(opcode: UInt8, _ text: String, fin: Bool = true) -> [UInt8] {
    webSocketFrame(opcode: opcode, Array(text.utf8), fin: fin, mask: [0x37, 0xFA, 0x21, 0x3D])
}

/// A server frame: not masked.
func serverFrame(opcode: UInt8, _ text: String, fin: Bool = true) -> [UInt8] {
    webSocketFrame(opcode: opcode, Array(text.utf8), fin: fin)
}

let webSocketUpgradeRequest = """
    GET /xmpp-websocket HTTP/1.1\r
    Host: example.org\r
    Upgrade: websocket\r
    Connection: Upgrade\r
    Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r
    Sec-WebSocket-Version: 13\r
    Sec-WebSocket-Protocol: xmpp, other\r
    \r

    """

let webSocketUpgradeResponse = """
    HTTP/1.1 101 Switching Protocols\r
    Upgrade: websocket\r
    Connection: Upgrade\r
    Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r
    Sec-WebSocket-Protocol: xmpp\r
    \r

    """
