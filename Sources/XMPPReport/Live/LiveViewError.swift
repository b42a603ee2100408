/// Why the live view could not start.
public enum LiveViewError: Error, CustomStringConvertible, Equatable {
    /// Binding the address failed (in use, not an address of this machine, no permission).
    case cannotListen(address: String, reason: String)

    public var description: String {
        switch self {
        case .cannotListen(let address, let reason):
            "the live view cannot listen on \(address): \(reason) (give another with --web HOST:PORT; port 0 picks a free one)"
        }
    }
}
