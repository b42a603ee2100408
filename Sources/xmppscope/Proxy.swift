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
            Point the client at --listen; every byte is relayed to --upstream exactly as sent.
            TLS is relayed untouched for now (--tls passthrough): a session is decoded up to
            STARTTLS's <proceed/>. Example:
              xmppscope proxy --listen 127.0.0.1:5222 --upstream 127.0.0.1:15222 --log session.jsonl
            """
    )

    @Option(name: .long, help: "Where to listen (loopback unless told otherwise).")
    var listen = "127.0.0.1:5222"

    @Option(name: .long, help: "The server: HOST or HOST:PORT (port 5222 when omitted).")
    var upstream: String

    @Option(name: .long, help: "passthrough: relay TLS untouched (interception is not available yet).")
    var tls = "passthrough"

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard tls == "passthrough" else {
            throw ValidationError("--tls \(tls) is not available yet: this version relays TLS untouched (--tls passthrough).")
        }
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
        let server = ProxyServer(
            configuration: .init(listenHost: listenHost, listenPort: listenPort, upstreamHost: upstreamHost,
                                 upstreamPort: upstreamPort, inspector: output.inspectorOptions),
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
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let signals = [SIGINT, SIGTERM].map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { done.signal() }
            source.resume()
            return source
        }
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
