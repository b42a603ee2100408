/// Why an `--upstream` URL cannot be used by the web proxy.
public enum WebUpstreamURLError: Error, Equatable, CustomStringConvertible {
    /// The scheme does not fit the transport (`http://` for `--websocket`, say).
    case wrongScheme(url: String, expected: [String])
    /// No host after the scheme.
    case missingHost(url: String)
    /// The port is not a number from 1 to 65535.
    case badPort(url: String)

    public var description: String {
        switch self {
        case .wrongScheme(let url, let expected):
            return "'\(url)': the upstream must start with " + expected.map { "\($0)://" }.joined(separator: " or ")
        case .missingHost(let url):
            return "'\(url)' names no host: give SCHEME://HOST[:PORT]/PATH"
        case .badPort(let url):
            return "'\(url)': the port must be a number from 1 to 65535"
        }
    }
}
