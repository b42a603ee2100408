/// Why a capture could not be read (completely).
public enum CaptureError: Error, Sendable, Hashable, CustomStringConvertible {
    /// libpcap could not open the file.
    case cannotOpen(path: String, reason: String)
    /// The file ended or broke inside packet `packet` (1-based); everything before it was decoded.
    case truncated(path: String, packet: Int, reason: String)
    /// libpcap could not open or start capturing on the interface.
    case cannotCapture(interface: String, reason: String)
    /// The capture filter did not compile.
    case badFilter(filter: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot read \(path) as a capture: \(reason)"
        case .truncated(let path, let packet, let reason):
            return "\(path): packet \(packet) is damaged or cut short (\(reason)); the \(packet - 1) packets before it were decoded"
        case .cannotCapture(let interface, let reason):
            return "cannot capture on \(interface): \(reason) (capturing needs root or CAP_NET_RAW)"
        case .badFilter(let filter, let reason):
            return "capture filter '\(filter)' is not valid: \(reason)"
        }
    }
}
