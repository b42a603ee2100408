import ArgumentParser
import Dispatch
import Foundation
import Logging
import XMPPInspect
import XMPPProxy
import XMPPReport
#if canImport(Glibc)
import Glibc
#endif

/// `xmppscope proxy --listen 127.0.0.1:5222 --upstream example.org`
struct Proxy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Sit between an XMPP client and its server and show what they say, live.",
        discussion: """
            Point the client at --listen; every byte is relayed to --upstream exactly as \
            sent. --upstream DOMAIN without a port looks up SRV _xmpp-client._tcp.DOMAIN \
            (_xmpps-client._tcp with --direct-tls), then DOMAIN:5222 (5223).

            With --tls intercept (the default) STARTTLS, or direct TLS with --direct-tls \
            (XEP-0368), is terminated on both legs: the client must trust the xmppscope CA \
            ('xmppscope ca export --pem ca.pem'), and the server's certificate is verified \
            against the system store, --upstream-ca, or not at all with --insecure. The \
            server's stream features lose what cannot work through two TLS sessions \
            (SCRAM-*-PLUS, XEP-0440) and compression (XEP-0138); each edit is shown as a \
            proxy-note record.

            With --tls passthrough TLS goes through untouched (channel binding, XEP-0474 \
            downgrade protection and certificate pinning keep working); give the client's \
            key log with --keylog FILE (the client run with SSLKEYLOGFILE=FILE) and the \
            session is decrypted live.

            Examples:
              xmppscope proxy --listen 127.0.0.1:5222 --upstream example.org
              xmppscope proxy --listen 127.0.0.1:5223 --direct-tls \\
                  --upstream example.org:5223
              xmppscope proxy --upstream 127.0.0.1:15222 --server-name xmppscope.test \\
                  --upstream-ca server.pem
              xmppscope proxy --tls passthrough --keylog keys.txt --upstream example.org

            Web clients (docs/proxy-web.md): --websocket (RFC 7395) or --bosh \
            (XEP-0124/0206) with an --upstream URL (ws://, wss:// or http://, https://); the \
            client points at --listen (default 127.0.0.1:5280), with TLS from the xmppscope \
            CA when --listen-tls is given:
              xmppscope proxy --websocket --listen 127.0.0.1:5280 \\
                  --upstream wss://example.org/xmpp-websocket
              xmppscope proxy --bosh --listen 127.0.0.1:5281 --listen-tls \\
                  --upstream https://example.org/http-bind
            """
    )

    @Option(name: .long, help: "Where to listen (loopback unless told otherwise; default 127.0.0.1:5222, 127.0.0.1:5280 for --websocket and --bosh).")
    var listen: String?

    @Option(name: .long, help: "The server: HOST:PORT, or a DOMAIN to look up by SRV (then DOMAIN:5222); with --websocket or --bosh its URL.")
    var upstream: String

    @Flag(name: .long, help: "Relay XMPP over WebSocket (RFC 7395) to the --upstream ws:// or wss:// URL.")
    var websocket = false

    @Flag(name: .long, help: "Relay BOSH (XEP-0124/0206) to the --upstream http:// or https:// URL.")
    var bosh = false

    @Flag(name: .customLong("listen-tls"), help: "With --websocket or --bosh: serve wss:// or https:// to the client, with a certificate from the xmppscope CA.")
    var listenTLS = false

    @Flag(name: .customLong("direct-tls"), help: "Clients and server speak TLS from the first byte (XEP-0368), with ALPN xmpp-client.")
    var directTLS = false

    @Option(name: .customLong("server-name"), help: "The XMPP domain: the certificate for clients that send no SNI, and the SNI sent upstream for direct TLS (default: the --upstream host when it is a name).")
    var serverName: String?

    @Option(name: .long, help: "intercept: terminate STARTTLS on both legs and decode everything; passthrough: relay TLS untouched.")
    var tls = TLSMode.intercept

    @Option(name: .customLong("upstream-ca"), help: "Verify the server's certificate against this CA file (PEM) instead of the system store.")
    var upstreamCA: String?

    @Flag(name: .long, help: "Do not verify the server's certificate at all.")
    var insecure = false

    @Flag(name: .customLong("keep-plus"), help: "Keep SCRAM-*-PLUS and channel-binding offers (they fail through two TLS sessions).")
    var keepPlus = false

    @Option(name: .customLong("home"), help: "Where the interception CA lives (default $XMPPSCOPE_HOME or ~/.xmppscope).")
    var home: String?

    @Flag(name: .long, help: "At the stop, exit with status 1 if the checks found an error (run a client's test suite through the proxy in CI).")
    var check = false

    @OptionGroup var output: OutputOptions

    @OptionGroup var liveView: LiveViewOptions

    func validate() throws {
        if insecure && upstreamCA != nil { throw ValidationError("Give --upstream-ca or --insecure, not both.") }
        if check && output.noChecks { throw ValidationError("--check needs the checks: drop --no-checks.") }
        guard try Self.hostAndPort(listenAddress).1 != nil else { throw ValidationError("--listen takes HOST:PORT.") }
        if let transport = webTransport {
            if websocket && bosh { throw ValidationError("Give --websocket or --bosh, not both.") }
            if directTLS { throw ValidationError("--direct-tls is for XMPP over TCP: with --\(transport.rawValue) use --listen-tls and a \(transport == .websocket ? "wss://" : "https://") upstream.") }
            if tls == .passthrough { throw ValidationError("--tls passthrough is for XMPP over TCP: the web proxy reads HTTP, so it terminates TLS on both legs.") }
            if !output.keyLog.paths.isEmpty { throw ValidationError("--keylog is for --tls passthrough over TCP: the web proxy decrypts by itself.") }
            do { _ = try WebUpstreamURL(upstream, transport: transport) } catch { throw ValidationError("\(error)") }
            return
        }
        if listenTLS { throw ValidationError("--listen-tls goes with --websocket or --bosh (for XMPP over TCP see --direct-tls).") }
        _ = try Self.hostAndPort(upstream)
    }

    /// The web transport asked for, if any.
    private var webTransport: WebTransport? { websocket ? .websocket : bosh ? .bosh : nil }

    private var listenAddress: String { listen ?? (webTransport == nil ? "127.0.0.1:5222" : "127.0.0.1:5280") }

    /// `host:port`, `[v6]:port`, or a bare host (no port).
    static func hostAndPort(_ text: String) throws -> (String, Int?) {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return (host, nil) }
            guard rest.first == ":", let port = Int(rest.dropFirst()), (1...65535).contains(port) else {
                throw ValidationError("'\(text)' is not [ADDRESS]:PORT.")
            }
            return (host, port)
        }
        let colons = text.filter { $0 == ":" }.count
        if colons == 1, let colon = text.firstIndex(of: ":") {
            guard let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
                throw ValidationError("'\(text)' is not HOST:PORT (the port must be 1 to 65535).")
            }
            return (String(text[..<colon]), port)
        }
        guard !text.isEmpty, colons == 0 || colons > 1 else { throw ValidationError("'\(text)' is not HOST:PORT.") }
        return (text, nil)  // a name, or a bare IPv6 address
    }

    func run() throws {
        output.bootstrapLogging()
        if let transport = webTransport { return try runWeb(transport) }
        let logger = Logger(label: "xmppscope.proxy")
        let listen = listenAddress
        let (listenHost, listenPortGiven) = try Self.hostAndPort(listen)
        let listenPort = listenPortGiven ?? 5222
        let (upstreamHost, upstreamPort) = try Self.hostAndPort(upstream)
        let upstreams: [ProxyServer.Upstream]
        if let upstreamPort {
            upstreams = [ProxyServer.Upstream(host: upstreamHost, port: upstreamPort)]
        } else {
            upstreams = SRVResolver.upstreams(for: upstreamHost, directTLS: directTLS, defaultPort: directTLS ? 5223 : 5222)
            guard !upstreams.isEmpty else { throw CommandFailure.noXMPPService(host: upstreamHost) }
            logger.notice("\(upstreamHost): connecting to \(upstreams.map(\.description).joined(separator: ", then ")) (SRV, then the default port)")
        }
        let stdout = BufferedOutput()
        let live = try liveView.start(title: "xmppscope proxy → \(upstream)", generator: "xmppscope \(XMPPScope.configuration.version)")
        let (screen, sink, logFile) = try output.makeSinkChain(output: stdout, beside: live?.sink)
        let liveServer = live?.server
        let tally = FindingTally()
        let intercepts = tls == .intercept
        let authority = intercepts ? try withUserError { try CertificateAuthority.loadOrCreate(in: home ?? CertificateAuthority.defaultDirectory) } : nil
        if let authority { logger.notice("intercepting TLS: clients must trust \(authority.certificatePath)") }
        var keyLog: KeyLog?
        if intercepts, let path = ProcessInfo.processInfo.environment["SSLKEYLOGFILE"], !path.isEmpty {
            keyLog = try withUserError { try KeyLog(path: path) }
            logger.warning("SSLKEYLOGFILE: the TLS secrets of both legs go to \(path): anyone with it can decrypt these sessions")
        }
        if intercepts && !output.keyLog.paths.isEmpty {
            throw ValidationError("--keylog decrypts TLS the proxy relays untouched: use it with --tls passthrough (intercept mode decrypts by itself).")
        }
        let clientKeyLog = try output.makeKeyLog(mayGrow: true)
        if insecure { logger.warning("--insecure: the server's certificate is NOT verified; anyone on the path can read this session") }
        let server = ProxyServer(
            configuration: .init(listenHost: listenHost, listenPort: listenPort, upstreams: upstreams,
                                 inspector: output.inspectorOptions, interceptsTLS: intercepts, directTLS: directTLS,
                                 serverName: serverName ?? (upstreamPort == nil ? upstreamHost : nil), authority: authority,
                                 upstreamTrust: insecure ? .insecure : upstreamCA.map { .file($0) } ?? .system,
                                 keepsChannelBinding: keepPlus, keyLog: keyLog),
            keyLog: clientKeyLog,
            // The records thread owns the output from here on: it writes every record, flushes
            // after each batch, and at the stop finishes the output (a summary with every connection).
            output: RecordOutput(
                record: { record in
                    tally.count(record)
                    sink.consume(record)
                },
                batchDone: {
                    stdout.flush()
                    logFile?.flush()
                    live?.sink.flush()
                },
                finish: { connections in
                    if let summary = screen as? SummaryReport { summary.connections = { connections } }
                    sink.finish()
                    stdout.flush()
                    logFile?.flush()
                }
            )
        )
        let address: String
        do {
            address = ProxyServer.describe(listening: try server.start())
        } catch {
            throw CommandFailure.cannotListen(address: listen, reason: error)
        }
        logger.notice("relaying \(address) → \(upstreams[0])\(directTLS ? " (direct TLS)" : ""); Ctrl-C to stop")

        waitForTermination()
        server.stop()
        liveServer?.stop()
        try exitForChecks(tally)
    }

    /// `--websocket` / `--bosh`: the web proxy (XMPPProxy/Web), same output, CA and trust options.
    private func runWeb(_ transport: WebTransport) throws {
        let logger = Logger(label: "xmppscope.proxy")
        let listen = listenAddress
        let (listenHost, listenPortGiven) = try Self.hostAndPort(listen)
        let upstreamURL = try WebUpstreamURL(upstream, transport: transport)
        let stdout = BufferedOutput()
        let live = try liveView.start(title: "xmppscope proxy → \(upstream)", generator: "xmppscope \(XMPPScope.configuration.version)")
        let (screen, sink, logFile) = try output.makeSinkChain(output: stdout, beside: live?.sink)
        let liveServer = live?.server
        let tally = FindingTally()
        let authority = listenTLS ? try withUserError { try CertificateAuthority.loadOrCreate(in: home ?? CertificateAuthority.defaultDirectory) } : nil
        if let authority { logger.notice("serving TLS to clients: they must trust \(authority.certificatePath)") }
        var keyLog: KeyLog?
        if let path = ProcessInfo.processInfo.environment["SSLKEYLOGFILE"], !path.isEmpty,
           listenTLS || upstreamURL.usesTLS {
            keyLog = try withUserError { try KeyLog(path: path) }
            logger.warning("SSLKEYLOGFILE: the TLS secrets of both legs go to \(path): anyone with it can decrypt these sessions")
        }
        if insecure { logger.warning("--insecure: the server's certificate is NOT verified; anyone on the path can read this session") }
        let server = WebProxyServer(
            configuration: .init(listenHost: listenHost, listenPort: listenPortGiven ?? 5280, upstream: upstreamURL,
                                 listensTLS: listenTLS, authority: authority, serverName: serverName,
                                 upstreamTrust: insecure ? .insecure : upstreamCA.map { .file($0) } ?? .system,
                                 keyLog: keyLog, inspector: output.inspectorOptions),
            output: RecordOutput(
                record: { record in
                    tally.count(record)
                    sink.consume(record)
                },
                batchDone: {
                    stdout.flush()
                    logFile?.flush()
                    live?.sink.flush()
                },
                finish: { connections in
                    if let summary = screen as? SummaryReport { summary.connections = { connections } }
                    sink.finish()
                    stdout.flush()
                    logFile?.flush()
                }
            )
        )
        let address: String
        do {
            address = ProxyServer.describe(listening: try server.start())
        } catch {
            throw CommandFailure.cannotListen(address: listen, reason: error)
        }
        let scheme = transport == .websocket ? (listenTLS ? "wss" : "ws") : (listenTLS ? "https" : "http")
        logger.notice("relaying \(scheme)://\(address) → \(upstreamURL) (\(transport.rawValue)); Ctrl-C to stop")
        waitForTermination()
        server.stop()
        liveServer?.stop()
        try exitForChecks(tally)
    }

    /// Blocks until Ctrl-C or SIGTERM.
    private func waitForTermination() {
        let done = DispatchSemaphore(value: 0)
        let signals = onTerminationSignals { done.signal() }
        done.wait()
        signals.forEach { $0.cancel() }
    }

    /// `--check`: exit status 1 when a check found an error.
    private func exitForChecks(_ tally: FindingTally) throws {
        if check {
            let errors = tally.bySeverity[.error] ?? 0
            FileHandleStandardError.write("xmppscope: checks: \(tally.summary)\(errors > 0 ? " — exit status 1" : "")\n")
            if errors > 0 { throw ExitCode(1) }
        }
    }
}
