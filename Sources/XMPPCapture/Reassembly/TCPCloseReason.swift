/// How a connection ended.
public enum TCPCloseReason: String, Sendable, Hashable {
    /// Both sides sent FIN.
    case fin
    /// A side sent RST.
    case reset
    /// The capture ended with the connection still open.
    case endOfCapture = "end-of-capture"
}
