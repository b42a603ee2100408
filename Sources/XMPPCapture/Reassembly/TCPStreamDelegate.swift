public import XMPPBase

/// Receives what the tracker reassembles.
public protocol TCPStreamDelegate: AnyObject {
    func connectionOpened(_ connection: TCPConnectionInfo)
    /// In-order bytes of one direction; `bytes` is valid only during the call.
    func connection(_ id: Int, received bytes: UnsafeRawBufferPointer, direction: Direction, at time: Timestamp)
    func connection(_ id: Int, missing count: Int, direction: Direction, at time: Timestamp)
    func connectionClosed(_ id: Int, reason: TCPCloseReason, at time: Timestamp)
}
