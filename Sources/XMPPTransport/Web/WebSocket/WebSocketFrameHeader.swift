/// The 2–14 bytes before a WebSocket frame's payload (RFC 6455 §5.2), read so that frames over the
/// limit can be skipped and each frame's position and size known.
struct WebSocketFrameHeader: Equatable {
    var fin: Bool
    /// RSV1–RSV3 as the high nibble's low three bits (0x40, 0x20, 0x10).
    var reservedBits: UInt8
    var opcode: UInt8
    var masked: Bool
    var payloadLength: Int
    /// Bytes of the header itself.
    var headerLength: Int

    /// What the first bytes of a frame say: the header, nil when more bytes are needed, or an
    /// error when the length cannot be (the most significant bit of a 64-bit length set).
    static func read(_ bytes: [UInt8]) -> Reading? {
        guard bytes.count >= 2 else { return nil }
        let masked = bytes[1] & 0x80 != 0
        let code = Int(bytes[1] & 0x7F)
        let lengthBytes = code == 126 ? 2 : (code == 127 ? 8 : 0)
        let headerLength = 2 + lengthBytes + (masked ? 4 : 0)
        guard bytes.count >= headerLength else { return nil }
        var length = code
        if lengthBytes > 0 {
            if lengthBytes == 8 && bytes[2] & 0x80 != 0 {
                return .invalid("a frame length with its most significant bit set")
            }
            length = 0
            for index in 2..<(2 + lengthBytes) { length = length << 8 | Int(bytes[index]) }
        }
        return .header(WebSocketFrameHeader(fin: bytes[0] & 0x80 != 0, reservedBits: bytes[0] & 0x70,
                                             opcode: bytes[0] & 0x0F, masked: masked,
                                             payloadLength: length, headerLength: headerLength))
    }

    /// How many bytes of a frame's start are needed to know its header's length (2 when only the first byte is in).
    static func lengthNeeded(_ bytes: [UInt8]) -> Int {
        guard bytes.count >= 2 else { return 2 }
        let code = bytes[1] & 0x7F
        return 2 + (code == 126 ? 2 : (code == 127 ? 8 : 0)) + (bytes[1] & 0x80 != 0 ? 4 : 0)
    }

    /// A header, or why the bytes cannot be one.
    enum Reading {
        case header(WebSocketFrameHeader)
        case invalid(String)
    }

    var isControl: Bool { opcode >= 8 }
    var wireBytes: Int { headerLength + payloadLength }
}
