import ArgumentParser
import Dispatch
import Foundation
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
            --tls intercept (the default) STARTTLS, or direct TLS with --direct-tls (XEP-0368), is
            terminated on both legs: the client must trust the xmppscope CA ('xmppscope ca export
            --pem ca.pem'), and the server's certificate is verified against the system store,
            --upstream-ca, or not at all with --insecure. The server's stream features lose what
            cannot work through two TLS sessions (SCRAM-*-PLUS, XEP-0440) and compression
            (XEP-0138); each edit is shown as a proxy-note record.
            With --tls passthrough TLS goes through untouched (channel binding, XEP-0474 downgrade
            protection and certificate pinning keep working); give the client's key log with
            --keylog FILE (the client run with SSLKEYLOGFILE=FILE) and the session is decrypted live.
            --upstream DOMAIN without a port looks up SRV _xmpp-client._tcp.DOMAIN
            (_xmpps-client._tcp with --direct-tls), then DOMAIN:5222 (5223).
            Examples:
              xmppscope proxy --listen 127.0.0.1:5222 --upstream example.org
              xmppscope proxy --listen 127.0.0.1:5223 --direct-tls --upstream example.org:5223
              xmppscope proxy --upstream 127.0.0.1:15222 --server-name xmppscope.test --upstream-ca server.pem
              xmppscope proxy --tls passthrough --keylog keys.txt --upstream example.org
            """
    )

    @Option(name: .long, help: "Where to listen (loopback unless told otherwise).")
    var listen = "127.0.0.1:5222"

    @Option(name: .long, help: "The server: HOST:PORT, or a DOMAIN to look up by SRV (then DOMAIN:5222).")
    var upstream: String

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

    func validate() throws {
        if insecure && upstreamCA != nil { throw ValidationError("Give --upstream-ca or --insecure, not both.") }
        if check && output.noChecks { throw ValidationError("--check needs the checks: drop --no-checks.") }
        guard try Self.hostAndPort(listen).1 != nil else { throw ValidationError("--listen takes HOST:PORT.") }
        _ = try Self.hostAndPort(upstream)
    }

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
        let logger = Logger(label: "xmppscope.proxy")
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
        let (screen, sink, logFile) = try output.makeSinkChain(output: stdout)
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
            address = "\(try server.start())"
        } catch {
            throw CommandFailure.cannotListen(address: listen, reason: error)
        }
        logger.notice("relaying \(address) → \(upstreams[0])\(directTLS ? " (direct TLS)" : ""); Ctrl-C to stop")

        let done = DispatchSemaphore(value: 0)
        let signals = onTerminationSignals { done.signal() }
        done.wait()
        server.stop()
        signals.forEach { $0.cancel() }
        if check {
            let errors = tally.bySeverity[.error] ?? 0
            FileHandleStandardError.write("xmppscope: checks: \(tally.summary)\(errors > 0 ? " — exit status 1" : "")\n")
            if errors > 0 { throw ExitCode(1) }
        }
    }
}
