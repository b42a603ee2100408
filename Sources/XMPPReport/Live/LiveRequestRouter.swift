/// Decides what a request gets, in this order: its `Host` must name the server (the DNS-rebinding
/// guard: a page whose name was rebound to 127.0.0.1 sends its own name), it must carry the
/// token, then the path and the method are looked at. Only the last two are told apart to a
/// client: a refusal for the first two says nothing about what is served.
struct LiveRequestRouter: Sendable {
    let token: LiveAccessToken
    /// Accepted `Host` values, lowercased: the listening address with its port, and
    /// localhost, 127.0.0.1 and [::1] with that port.
    let allowedHosts: Set<String>
    /// Listening on every address (0.0.0.0, ::): any IP address with the port is accepted too
    /// (a rebound name is a name, never an address literal).
    let acceptsAnyAddress: Bool
    let port: Int

    /// `listeningHost` as given to bind (`127.0.0.1`, `::1`, `192.0.2.7`, `myhost`); `port` the
    /// bound port.
    init(token: LiveAccessToken, listeningHost: String, port: Int) {
        self.token = token
        var hosts: Set<String> = []
        for host in [listeningHost, "localhost", "127.0.0.1", "::1"] {
            let bare = host.lowercased()
            hosts.insert(bare.contains(":") ? "[\(bare)]:\(port)" : "\(bare):\(port)")
        }
        allowedHosts = hosts
        acceptsAnyAddress = listeningHost == "0.0.0.0" || listeningHost == "::"
        self.port = port
    }

    /// Whether `host` (a Host header) names this server.
    func isAllowed(host: String) -> Bool {
        let host = host.lowercased()
        if allowedHosts.contains(host) { return true }
        guard acceptsAnyAddress, host.hasSuffix(":\(port)") else { return false }
        let address = host.dropLast(":\(port)".count)
        if address.hasPrefix("[") && address.hasSuffix("]") {
            let inner = address.dropFirst().dropLast()
            return inner.contains(":") && inner.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        }
        let parts = address.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && part.allSatisfy(\.isNumber) && Int(part)! <= 255
        }
    }

    /// The route for a request: `method` (`GET`), `uri` (`/events?token=…`), its `Host` header
    /// and its `Last-Event-ID` header (nil when absent).
    func route(method: String, uri: String, host: String?, lastEventID: String?) -> LiveRoute {
        guard let host, isAllowed(host: host) else {
            return .refuse(status: 403, reason: "Forbidden: this server answers only to its own address (Host header).")
        }
        let (path, query) = Self.split(uri)
        guard let given = Self.tokenParameter(in: query), token.matches(given) else {
            return .refuse(status: 403, reason: "Forbidden: open the URL with the token that xmppscope printed.")
        }
        let route: LiveRoute
        switch path {
        case "/": route = .page
        case "/events": route = .events(after: lastEventID.flatMap { Int(String($0.filter { $0 != " " })) })
        default: return .refuse(status: 404, reason: "Not found: the live view serves / and /events.")
        }
        guard method == "GET" else {
            return .refuse(status: 405, reason: "Method not allowed: only GET.")
        }
        return route
    }

    /// `/path?query` → (`/path`, `query`).
    private static func split(_ uri: String) -> (Substring, Substring) {
        guard let mark = uri.firstIndex(of: "?") else { return (Substring(uri), "") }
        return (uri[..<mark], uri[uri.index(after: mark)...])
    }

    /// The value of the one `token=` parameter; nil when there is none or more than one.
    private static func tokenParameter(in query: Substring) -> Substring? {
        var found: Substring?
        for parameter in query.split(separator: "&") where parameter.hasPrefix("token=") {
            if found != nil { return nil }
            found = parameter.dropFirst("token=".count)
        }
        return found
    }
}
