/// Counts of what the tracker saw.
public struct CaptureStatistics: Sendable, Hashable {
    public var packets = 0
    public var tcpSegments = 0
    public var skipped: [PacketSkipReason: Int] = [:]
    public var connections = 0
    public var retransmissions = 0
    public var missingBytes = 0
    public var outOfWindow = 0
    public var packetsAfterClose = 0
}
