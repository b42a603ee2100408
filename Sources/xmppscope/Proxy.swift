import ArgumentParser
import Dispatch
import Logging
import XMPPInspect
import XMPPProxy
#if canImport(Glibc)
import Glibc
#endif

/// `xmppscope proxy --listen 127.0.0.1:5222 --upstream example.org`
struct Proxy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sit between an XMPP client and its server and show what they say, live.",
        discussion: """
            Point the client at --listen; every byte is relayed to --upstream exactly as sent. With
            --tls intercept (the default) STARTTLS is terminated on both legs: the client must trust
            the xmppscope CA ('xmppscope ca export --pem ca.pem'), and the server's certificate is
            verified against the system store, --upstream-ca, or not at all with --insecure.
            Example:
              xmppscope proxy --listen 127.0.0.1:5222 --upstream 127.0.0.1:15222 --upstream-ca server.pem
            """
    )

    @Option(name: .long, help: "Where to listen (loopback unless told otherwise).")
    var listen = "127.0.0.1:5222"

    @Option(name: .long, help: "The server: HOST or HOST:PORT (port 5222 when omitted).")
    var upstream: String

    @Option(name: .long, help: "intercept: terminate STARTTLS on both legs and decode everything; passthrough: relay TLS untouched.")
    var tls = "intercept"

    @Option(name: .customLong("upstream-ca"), help: "Verify the server's certificate against this CA file (PEM) instead of the system store.")
    var upstreamCA: String?

    @Flag(name: .long, help: "Do not verify the server's certificate at all.")
    var insecure = false

    @Flag(name: .customLong("keep-plus"), help: "Keep SCRAM-*-PLUS and channel-binding offers (they fail through two TLS sessions).")
    var keepPlus = false

    @Option(name: .customLong("home"), help: "Where the interception CA lives (default $XMPPSCOPE_HOME or ~/.xmppscope).")
    var home: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard tls == "passthrough" || tls == "intercept" else {
            throw ValidationError("--tls takes intercept or passthrough.")
        }
        if insecure && upstreamCA != nil { throw ValidationError("Give --upstream-ca or --insecure, not both.") }
        _ = try Self.hostAndPort(listen, defaultPort: nil)
        _ = try Self.hostAndPort(upstream, defaultPort: 5222)
    }

    static func hostAndPort(_ text: String, defaultPort: Int?) throws -> (String, Int) {
        if let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) {
            return (String(text[..<colon]).trimmingCharacters(in: ["[", "]"]), port)
        }
        guard let defaultPort, !text.contains(":") else { throw ValidationError("'\(text)' is not HOST:PORT.") }
        return (text, defaultPort)
    }

    func run() throws {
        output.bootstrapLogging()
        let logger = Logger(label: "xmppscope.proxy")
        let (listenHost, listenPort) = try Self.hostAndPort(listen, defaultPort: nil)
        let (upstreamHost, upstreamPort) = try Self.hostAndPort(upstream, defaultPort: 5222)
        let stdout = BufferedOutput()
        let (screen, sink) = try output.makePipeline(output: stdout)
        let intercepts = tls == "intercept"
        let authority = intercepts ? try withUserError { try CertificateAuthority.loadOrCreate(in: home ?? CertificateAuthority.defaultDirectory) } : nil
        if let authority { logger.notice("intercepting TLS: clients must trust \(authority.certificatePath)") }
        if insecure { logger.warning("--insecure: the server's certificate is NOT verified; anyone on the path can read this session") }
        let server = ProxyServer(
            configuration: .init(listenHost: listenHost, listenPort: listenPort, upstreamHost: upstreamHost,
                                 upstreamPort: upstreamPort, inspector: output.inspectorOptions,
                                 interceptsTLS: intercepts, authority: authority,
                                 upstreamTrust: insecure ? .insecure : upstreamCA.map { .file($0) } ?? .system,
                                 keepsChannelBinding: keepPlus),
            sink: { record in
                sink.consume(record)
                stdout.flush()
            }
        )
        let address: String
        do {
            address = "\(try server.start())"
        } catch {
            FileHandleStandardError.write("error: cannot listen on \(listen): \(error)\n")
            throw ExitCode(1)
        }
        logger.notice("relaying \(address) → \(upstreamHost):\(upstreamPort); Ctrl-C to stop")

        let done = DispatchSemaphore(value: 0)
        let signals = onTerminationSignals { done.signal() }
        done.wait()
        server.stop()
        if let summary = screen as? SummaryReport {
            let connections = server.connectionsAtStop
            summary.connections = { connections }
        }
        sink.finish()
        stdout.flush()
        signals.forEach { $0.cancel() }
    }
}
