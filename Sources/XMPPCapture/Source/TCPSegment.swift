public import XMPPBase

/// A TCP segment decoded from a captured packet.
public struct TCPSegment {
    public var packet: Int
    public var timestamp: Timestamp
    public var source: Endpoint
    public var destination: Endpoint
    public var sequence: UInt32
    public var acknowledgement: UInt32
    public var flags: TCPFlags
    /// The payload bytes captured; valid only while the packet is.
    public var payload: UnsafeRawBufferPointer
    /// The payload length the IP header claims: more than `payload.count` when the snapshot length cut the packet.
    public var payloadLength: Int

    public init(packet: Int, timestamp: Timestamp, source: Endpoint, destination: Endpoint, sequence: UInt32,
                acknowledgement: UInt32, flags: TCPFlags, payload: UnsafeRawBufferPointer, payloadLength: Int? = nil) {
        self.packet = packet
        self.timestamp = timestamp
        self.source = source
        self.destination = destination
        self.sequence = sequence
        self.acknowledgement = acknowledgement
        self.flags = flags
        self.payload = payload
        self.payloadLength = payloadLength ?? payload.count
    }
}

/// TCP header flags.
public struct TCPFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)
}
