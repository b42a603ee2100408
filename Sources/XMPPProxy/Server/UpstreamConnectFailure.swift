import NIOCore
import NIOPosix

/// Why no server address accepted the proxy's connection, as the client is told it (RFC 6120
/// §4.9.3), told apart by what NIO threw.
enum UpstreamConnectFailure: Equatable {
    /// The server's name does not resolve: `host-unknown`.
    case unknownHost
    /// The name resolved, but no address accepted (refused, unreachable, timed out):
    /// `remote-connection-failed`.
    case unreachable

    /// NIO's `connect(host:port:)` looks the name up (getaddrinfo) and tries every address
    /// (Happy Eyeballs); when the lookup fails it throws a `NIOConnectionError` holding the
    /// lookup's error (`SocketAddressError.UnknownHost`), else one holding every address's
    /// failure, or a `ChannelError.connectTimeout`.
    init(_ error: any Error) {
        switch error {
        case let error as NIOConnectionError where error.dnsAError != nil || error.dnsAAAAError != nil:
            self = .unknownHost
        case is SocketAddressError.UnknownHost:
            self = .unknownHost
        default:
            self = .unreachable
        }
    }

    /// The stream error condition the client gets.
    var condition: String {
        switch self {
        case .unknownHost: return "host-unknown"
        case .unreachable: return "remote-connection-failed"
        }
    }
}
