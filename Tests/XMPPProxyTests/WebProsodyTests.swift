import Foundation
import NIOCore
import Testing
@testable import XMPPInspect
@testable import XMPPProxy

/// End to end with real peers: Debian's Prosody (mod_websocket, mod_bosh) on 127.0.0.1:15530,
/// started and stopped by PID through scripts/peers/web-prosody.sh, and a Python client
/// (scripts/peers/web_client.py: `websockets` for RFC 7395, urllib for BOSH) logging in with
/// SASL PLAIN through the proxy, binding, getting its roster and sending itself a message.
@Suite("Web proxy: a real client and Prosody through it", .serialized)
struct WebProsodyTests {
    private static let prosodyPort = 15530
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Runs a command (bounded by `timeout(1)`); its status and standard output, which goes
    /// through a file: a server the command leaves running must not hold a pipe open.
    @discardableResult
    private static func run(_ arguments: [String], seconds: Int = 60) throws -> (status: Int32, output: String) {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("xmppscope-web-out-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outputPath.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputPath) }
        let output = try FileHandle(forWritingTo: outputPath)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = [String(seconds)] + arguments
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        try output.close()
        return (process.terminationStatus, try String(contentsOf: outputPath, encoding: .utf8))
    }

    private struct ClientResult: Decodable {
        var ok: Bool
        var jid: String?
        var echoed: String?
        var body: String?
        var error: String?
        var sent: [String]
        var received: [String]
    }

    /// One client session through a proxy for `upstream`; the client's report and the records.
    private func session(mode: String, upstream: String, transport: WebTransport, listensTLS: Bool,
                         authority: CertificateAuthority?) throws -> (ClientResult, [Record]) {
        let records = WebRecordCollector()
        let proxy = WebProxyServer(configuration: .init(
            listenPort: 0, upstream: try WebUpstreamURL(upstream, transport: transport), listensTLS: listensTLS,
            authority: authority), output: records.output)
        let port = try proxy.start().port!
        let scheme = transport == .websocket ? (listensTLS ? "wss" : "ws") : (listensTLS ? "https" : "http")
        let host = listensTLS && transport == .bosh ? "localhost" : "127.0.0.1"
        var arguments = ["python3", Self.repository.appendingPathComponent("scripts/peers/web_client.py").path, mode,
                         "\(scheme)://\(host):\(port)/\(transport == .websocket ? "xmpp-websocket" : "http-bind")"]
        if let authority, listensTLS { arguments += ["--cafile", authority.certificatePath, "--server-name", "localhost"] }
        let (_, output) = try Self.run(arguments, seconds: 45)
        #expect(WebTestClient.wait { proxy.openConnectionCount == 0 }, "connections left open after the client ended")
        proxy.stop()
        let result = try JSONDecoder().decode(ClientResult.self, from: Data(output.utf8))
        return (result, records.records)
    }

    @Test("login, roster and a message to itself work through the proxy over ws, BOSH, wss and https; each connection gets connect and close records")
    func realClient() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("xmppscope-web-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let script = Self.repository.appendingPathComponent("scripts/peers/web-prosody.sh").path
        let started = try Self.run([script, "start", work.path, String(Self.prosodyPort)])
        #expect(started.status == 0, "Prosody did not start (scripts/peers/web-prosody.sh)")
        defer { _ = try? Self.run([script, "stop", work.path]) }
        guard started.status == 0 else { return }
        let authority = try CertificateAuthority.loadOrCreate(in: work.appendingPathComponent("ca").path)

        let cases: [(String, String, WebTransport, Bool)] = [
            ("ws", "ws://127.0.0.1:\(Self.prosodyPort)/xmpp-websocket", .websocket, false),
            ("bosh", "http://127.0.0.1:\(Self.prosodyPort)/http-bind", .bosh, false),
            ("ws", "ws://127.0.0.1:\(Self.prosodyPort)/xmpp-websocket", .websocket, true),
            ("bosh", "http://127.0.0.1:\(Self.prosodyPort)/http-bind", .bosh, true),
        ]
        var checked = 0
        for (mode, upstream, transport, listensTLS) in cases {
            let label = "\(transport)\(listensTLS ? " over TLS" : "")"
            let (result, records) = try session(mode: mode, upstream: upstream, transport: transport,
                                                listensTLS: listensTLS, authority: authority)
            #expect(result.ok, "\(label): \(result.error ?? "")")
            #expect(result.jid == "alice@xmppscope.test/web", "\(label)")
            #expect(result.echoed != nil && result.echoed == result.body, "\(label): the message came back unchanged")
            let connects = records.filter { $0.event == .connect }
            let closes = records.filter { $0.event == .close }
            #expect(!connects.isEmpty && connects.count == closes.count, "\(label): \(connects.count) connect, \(closes.count) close records")
            #expect(connects.allSatisfy { $0.proxy?.reason == nil }, "\(label)")
            // Every byte read on both legs went to the inspector: more than the XMPP the client saw.
            let tappedFromServer = closes.compactMap { $0.proxy?.bytes?.s2c }.reduce(0, +)
            #expect(tappedFromServer > result.received.map(\.utf8.count).reduce(0, +), "\(label)")
            if listensTLS {
                let tls = records.filter { $0.event == .tlsEstablished && $0.direction == .c2s }
                #expect(!tls.isEmpty && tls.count == connects.count, "\(label): a tls-established record per connection")
                #expect(tls.allSatisfy { $0.proxy?.certificateSubject?.contains("localhost") == true }, "\(label)")
            }
            checked += 1
        }
        #expect(checked == cases.count)
    }
}
