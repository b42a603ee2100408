/// Why an input cannot be replayed.
public enum InputError: Error, Sendable, CustomStringConvertible {
    case cannotRead(path: String, reason: String)
    case empty(path: String)
    case unrecognised(path: String)

    public var description: String {
        switch self {
        case .cannotRead(let path, let reason): return "cannot read \(path): \(reason)"
        case .empty(let path): return "\(path) is empty: nothing to replay"
        case .unrecognised(let path):
            return "\(path) is neither a capture (pcap, pcapng) nor XMPP text (it should start with '<')"
        }
    }
}
