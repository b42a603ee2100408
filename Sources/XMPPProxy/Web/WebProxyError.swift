/// What goes wrong in the web proxy, as the user (and the client, in a 4xx/5xx body) is told.
enum WebProxyError: Error, CustomStringConvertible {
    /// `--listen-tls` without a CA to issue the client's certificate.
    case noAuthority
    /// The server could not be reached.
    case upstreamUnreachable(upstream: String, reason: String)
    /// The server's side failed (TLS verification, an unreadable response, a close mid-request).
    case upstreamFailed(upstream: String, reason: String)

    var description: String {
        switch self {
        case .noAuthority:
            return "serving TLS to clients needs the xmppscope CA ('xmppscope ca init')"
        case .upstreamUnreachable(let upstream, let reason):
            return "xmppscope could not reach \(upstream): \(reason)"
        case .upstreamFailed(let upstream, let reason):
            return "xmppscope's connection to \(upstream) failed: \(reason)"
        }
    }
}
