public import XMPPBase

/// One WebSocket data message, its fragments joined, unmasked and inflated.
public struct WebSocketMessage: Sendable, Hashable {
    public var direction: Direction
    /// A text message (RFC 7395 allows only these); false for binary.
    public var isText: Bool
    /// The payload as the application sent it.
    public var payload: [UInt8]
    /// How many frames carried it (1 unless fragmented).
    public var frames: Int
    /// Whether it was compressed (permessage-deflate).
    public var compressed: Bool
    /// Where its first frame begins in the direction's byte stream (counted from the connection's first byte, HTTP included).
    public var offset: Int
    /// Bytes on the wire, frame headers included.
    public var wireBytes: Int

    public init(direction: Direction, isText: Bool, payload: [UInt8], frames: Int, compressed: Bool,
                offset: Int, wireBytes: Int) {
        self.direction = direction
        self.isText = isText
        self.payload = payload
        self.frames = frames
        self.compressed = compressed
        self.offset = offset
        self.wireBytes = wireBytes
    }
}
