import XMPPCapture
import XMPPInspect
import XMPPBase

/// Drives an inspector with hand-made web traffic: TCP connections carrying HTTP requests and
/// responses, WebSocket frames (masked from the client, as RFC 6455 asks), BOSH bodies.
final class WebTrafficBuilder {
    private(set) var records: [Record] = []
    private(set) var inspector: Inspector!
    private var time = Timestamp(microseconds: 1_764_000_000_000_000)

    init(options: InspectorOptions = InspectorOptions()) {
        inspector = Inspector(options: options) { [unowned self] in self.records.append($0) }
    }

    func open(_ id: Int, clientPort: UInt16 = 40000, serverPort: UInt16 = 5280) {
        inspector.connectionOpened(TCPConnectionInfo(
            id: id, client: Endpoint(address: .v4(0x7F00_0001), port: clientPort),
            server: Endpoint(address: .v4(0x7F00_0001), port: serverPort), sawHandshake: true, firstPacket: 0, openedAt: time
        ))
    }

    func send(_ id: Int, _ direction: Direction, _ bytes: [UInt8]) {
        time.microseconds += 1000
        bytes.withUnsafeBytes { inspector.connection(id, received: $0, direction: direction, at: time) }
    }

    func send(_ id: Int, _ direction: Direction, _ text: String) { send(id, direction, Array(text.utf8)) }

    func close(_ id: Int) {
        time.microseconds += 1000
        inspector.connectionClosed(id, reason: .fin, at: time)
    }

    func finish() {
        inspector.finishAll(at: time)
    }

    // MARK: HTTP

    static func upgradeRequest(path: String = "/xmpp-websocket", protocols: String = "xmpp", origin: String = "http://127.0.0.1") -> String {
        "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:5280\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + "Sec-WebSocket-Protocol: \(protocols)\r\nOrigin: \(origin)\r\n\r\n"
    }

    static func switchingProtocols(protocolName: String? = "xmpp") -> String {
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
            + (protocolName.map { "Sec-WebSocket-Protocol: \($0)\r\n" } ?? "") + "\r\n"
    }

    static func post(_ body: String, path: String = "/http-bind") -> String {
        "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:5280\r\nContent-Type: text/xml; charset=utf-8\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n" + body
    }

    static func ok(_ body: String) -> String {
        "HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
    }

    static func status(_ code: Int, _ reason: String) -> String {
        "HTTP/1.1 \(code) \(reason)\r\nContent-Length: 0\r\n\r\n"
    }

    // MARK: WebSocket frames

    /// One frame: FIN and opcode, the length, a masking key from the client.
    static func frame(_ payload: [UInt8], opcode: UInt8 = 1, fin: Bool = true, masked: Bool) -> [UInt8] {
        var frame: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        let maskBit: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            frame.append(maskBit | UInt8(payload.count))
        } else if payload.count < 65536 {
            frame.append(maskBit | 126)
            frame += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(maskBit | 127)
            frame += (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xFF) }
        }
        guard masked else { return frame + payload }
        let key: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
        frame += key
        frame += payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
        return frame
    }

    static func text(_ text: String, from direction: Direction) -> [UInt8] {
        frame(Array(text.utf8), masked: direction == .c2s)
    }

    static func close(code: UInt16, reason: String, from direction: Direction) -> [UInt8] {
        frame([UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8), opcode: 8, masked: direction == .c2s)
    }
}
