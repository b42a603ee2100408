import Foundation
import Testing
@testable import XMPPInspect
@testable import XMPPProxy

/// Where the live proxy says that TLS began: a real proxy (TLS intercepted), a real STARTTLS
/// server and client (scripts/peers/starttls_pair.py, Python's `ssl`) on loopback. The tls-start
/// record must come right after the `<proceed/>` it follows, before the decrypted stream's
/// records; it used to be written when the connection closed, after the session it introduces.
@Suite("Proxy: the TLS line where TLS begins")
struct ProxyTLSOrderTests {
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test("an intercepted STARTTLS session: tls-start right after <proceed/>, before the new streams, once")
    func tlsStartFollowsProceed() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("xmppscope-tlsorder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let authority = try CertificateAuthority.loadOrCreate(in: work.appendingPathComponent("ca").path)
        // The upstream server's certificate, from the same CA the proxy is told to trust upstream.
        let (leaf, key) = try authority.issueLeaf(for: "xmppscope.test")
        let certificatePath = work.appendingPathComponent("server.pem").path
        let keyPath = work.appendingPathComponent("server-key.pem").path
        try leaf.serializeAsPEM().pemString.write(toFile: certificatePath, atomically: true, encoding: .utf8)
        try key.serializeAsPEM().pemString.write(toFile: keyPath, atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["60", "python3", Self.repository.appendingPathComponent("scripts/peers/starttls_pair.py").path,
                             certificatePath, keyPath, authority.certificatePath]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let lines = LineReader(output.fileHandleForReading)
        let upstreamPort = try #require(lines.next().flatMap { Int($0) }, "starttls_pair.py printed no port")

        let records = WebRecordCollector()
        let proxy = ProxyServer(configuration: .init(
            listenPort: 0, upstreams: [.init(host: "127.0.0.1", port: upstreamPort)], interceptsTLS: true,
            serverName: "xmppscope.test", authority: authority, upstreamTrust: .file(authority.certificatePath)),
            output: records.output)
        let port = try #require(try proxy.start().port)
        input.fileHandleForWriting.write(Data("\(port)\n".utf8))
        let result = lines.next() ?? ""
        process.waitUntilExit()
        #expect(WebTestClient.wait { proxy.openConnectionCount == 0 }, "connections left open after the client ended")
        proxy.stop()
        #expect(result.contains("\"ok\": true"), "starttls_pair.py: \(result)")

        let all = records.records
        let proceeds = all.indices.filter { all[$0].event == .nonza && all[$0].kind == "proceed" }
        let starts = all.indices.filter { all[$0].event == .tlsStart }
        let opens = all.indices.filter { all[$0].event == .streamOpen }
        let close = all.firstIndex { $0.event == .close }
        #expect(proceeds.count == 1 && starts.count == 1, "\(proceeds.count) proceed, \(starts.count) tls-start records")
        #expect(opens.count == 4, "two stream headers each way, \(opens.count) seen")
        guard let proceed = proceeds.first, let start = starts.first, opens.count == 4, let close else { return }
        #expect(start == proceed + 1, "tls-start at \(start), <proceed/> at \(proceed): \(all.map(\.event.rawValue))")
        #expect(opens[2] > start && opens[3] > start, "the decrypted streams' headers come after the TLS line")
        #expect(start < close, "the TLS line comes before the close record")
        #expect(all[start].direction == .s2c && all[start].encryptedBytes == nil)
    }
}

/// Reads a pipe line by line (each call waits for a whole line, or the end).
private final class LineReader {
    private let handle: FileHandle
    private var pending = Data()

    init(_ handle: FileHandle) { self.handle = handle }

    func next() -> String? {
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending = Data(pending[pending.index(after: newline)...])
                return line
            }
            let data = handle.availableData
            if data.isEmpty { return pending.isEmpty ? nil : String(decoding: pending, as: UTF8.self) }
            pending.append(data)
        }
    }
}
