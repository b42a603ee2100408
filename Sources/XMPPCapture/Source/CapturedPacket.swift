public import XMPPBase

/// One packet as libpcap returns it; `data` is valid only during the callback that receives it.
public struct CapturedPacket {
    /// 1-based position in the capture, as Wireshark numbers frames.
    public var number: Int
    public var timestamp: Timestamp
    /// libpcap's DLT_ link type.
    public var linkType: Int32
    /// The captured bytes (possibly fewer than were on the wire: see `originalLength`).
    public var data: UnsafeRawBufferPointer
    /// The packet's length on the wire.
    public var originalLength: Int
}
