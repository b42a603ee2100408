/// The web endpoint the proxy forwards to: `ws://`, `wss://`, `http://` or `https://`, a host,
/// a port (the scheme's default when none) and a path (`/xmpp-websocket`, `/http-bind`).
public struct WebUpstreamURL: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var path: String
    /// TLS towards the server (`wss://`, `https://`).
    public var usesTLS: Bool
    public var transport: WebTransport

    /// Reads `text` as an upstream for `transport`.
    public init(_ text: String, transport: WebTransport) throws(WebUpstreamURLError) {
        let schemes = transport.schemes
        guard let separator = text.range(of: "://") else {
            throw .wrongScheme(url: text, expected: [schemes.plain, schemes.tls])
        }
        let scheme = text[..<separator.lowerBound].lowercased()
        guard scheme == schemes.plain || scheme == schemes.tls else {
            throw .wrongScheme(url: text, expected: [schemes.plain, schemes.tls])
        }
        usesTLS = scheme == schemes.tls
        self.transport = transport
        let rest = text[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let pathPart = rest[authority.endIndex...]
        path = pathPart.isEmpty ? "/" : (pathPart.first == "?" ? "/" + pathPart : String(pathPart))
        var hostPart = Substring(authority)
        var portText: Substring?
        if hostPart.hasPrefix("["), let close = hostPart.firstIndex(of: "]") {
            let after = hostPart[hostPart.index(after: close)...]
            if after.first == ":" { portText = after.dropFirst() } else if !after.isEmpty { throw .badPort(url: text) }
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
        } else if let colon = hostPart.lastIndex(of: ":") {
            portText = hostPart[hostPart.index(after: colon)...]
            hostPart = hostPart[..<colon]
        }
        guard !hostPart.isEmpty else { throw .missingHost(url: text) }
        host = String(hostPart)
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else { throw .badPort(url: text) }
            self.port = port
        } else {
            port = usesTLS ? 443 : 80
        }
    }

    /// The `Host` header the server expects: the port only when it is not the scheme's default.
    public var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (usesTLS ? 443 : 80) ? name : "\(name):\(port)"
    }

    /// Whether the host is an IP address (no SNI is sent for one).
    var hostIsAddress: Bool {
        host.contains(":") || host.split(separator: ".").allSatisfy { UInt8($0) != nil }
    }

    public var description: String {
        let scheme = usesTLS ? transport.schemes.tls : transport.schemes.plain
        return "\(scheme)://\(hostHeader)\(path)"
    }
}
