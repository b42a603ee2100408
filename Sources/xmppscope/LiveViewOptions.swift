import ArgumentParser
import XMPPReport

/// `--web [HOST:PORT]` on `proxy` and `capture`: the live view in a browser (docs/live-view.md).
struct LiveViewOptions: ParsableArguments {
    @Option(name: .customLong("web"), defaultAsFlag: "127.0.0.1:0", parsing: .next,
            help: ArgumentHelp("Also show the records live in a browser: serve the report page on HOST:PORT (default 127.0.0.1 and a free port); the URL, with its access token, is printed on standard error.", valueName: "host:port"))
    var web: String? = nil

    func validate() throws {
        if let web { _ = try Self.address(web) }
    }

    /// `HOST:PORT`, `[V6]:PORT`, or a bare `HOST` (any free port); the port may be 0.
    static func address(_ text: String) throws -> (host: String, port: Int) {
        var host = Substring(text)
        var port: Substring?
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.first == ":" else { throw ValidationError("--web: '\(text)' is not [ADDRESS]:PORT.") }
                port = rest.dropFirst()
            }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw ValidationError("--web: '\(text)' names no host (127.0.0.1:PORT, say).") }
        guard let port else { return (String(host), 0) }
        guard let number = Int(port), (0...65535).contains(number) else {
            throw ValidationError("--web: '\(text)' is not HOST:PORT (the port must be 0 to 65535; 0 picks a free one).")
        }
        return (String(host), number)
    }

    /// Whether `host` is this machine's loopback only.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// With `--web`: starts the server, tells the user where (on standard error, the only place
    /// the token is shown) and returns it with the sink that feeds it; nil without `--web`.
    func start(title: String, generator: String) throws -> (server: LiveViewServer, sink: LiveViewSink)? {
        guard let web else { return nil }
        let (host, port) = try Self.address(web)
        let server = LiveViewServer(configuration: LiveViewConfiguration(host: host, port: port, title: title, generator: generator))
        let address: String
        do {
            address = server.url(for: try server.start())
        } catch {
            server.stop()
            throw CommandFailure.failed(error)
        }
        if !Self.isLoopback(host) {
            FileHandleStandardError.write("xmppscope: warning: the live view listens on \(host), not on loopback: anyone who can reach it and has the token can read this session\n")
        }
        FileHandleStandardError.write("live view: \(address)\n")
        return (server, LiveViewSink(server: server))
    }
}
