import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing
@testable import XMPPInspect
@testable import XMPPProxy

@Suite("Web proxy: HTTP (BOSH) relay (NIO server upstream)")
struct WebHTTPProxyTests {
    private func proxy(to url: String, records: WebRecordCollector) throws -> (WebProxyServer, Int) {
        let proxy = WebProxyServer(configuration: .init(listenPort: 0, upstream: try WebUpstreamURL(url, transport: .bosh)),
                                   output: records.output)
        return (proxy, try proxy.start().port!)
    }

    @Test("pipelined requests are forwarded in order, bodies unchanged, Host rewritten; chunked responses come back whole with their Content-Length")
    func pipelinedRequests() throws {
        let upstream = try WebTestUpstream()
        defer { upstream.stop() }
        let records = WebRecordCollector()
        let (proxy, port) = try proxy(to: "http://127.0.0.1:\(upstream.port)/http-bind", records: records)
        let bodies = [
            "<body rid='1' xmlns='http://jabber.org/protocol/httpbind' to='x.test' wait='60' hold='1'/>",
            "<body rid='2' sid='s' xmlns='http://jabber.org/protocol/httpbind'><message to='a@x.test'><body>é ✓</body></message></body>",
            "<body rid='3' sid='s' type='terminate' xmlns='http://jabber.org/protocol/httpbind'/>",
        ]
        let client = WebTestClient()
        try client.http(port: port, bodies.map { body in
            (.POST, "/bosh?x=1", [("Host", "127.0.0.1:\(port)"), ("Content-Type", "text/xml; charset=utf-8"),
                                  ("Origin", "https://app.example")], body)
        })
        #expect(WebTestClient.wait { client.responses.count == bodies.count }, "\(client.responses.count) of \(bodies.count) responses")
        #expect(client.responses.count == bodies.count)
        for (response, body) in zip(client.responses, bodies) {
            #expect(response.status == 200)
            #expect(response.body == "echo:" + body)
            #expect(response.header("Content-Length") == [String(("echo:" + body).utf8.count)])
            #expect(response.header("Transfer-Encoding").isEmpty)
        }
        #expect(upstream.requests.count == bodies.count)
        for (request, body) in zip(upstream.requests, bodies) {
            #expect(request.method == "POST")
            #expect(request.uri == "/http-bind?x=1")
            #expect(request.header("Host") == ["127.0.0.1:\(upstream.port)"])
            #expect(request.header("Origin") == ["https://app.example"])
            #expect(request.header("Content-Length") == [String(body.utf8.count)])
            #expect(String(decoding: request.body, as: UTF8.self) == body)
        }
        client.close()
        #expect(WebTestClient.wait { proxy.openConnectionCount == 0 })
        proxy.stop()
        let close = try #require(records.records.first { $0.event == .close })
        #expect(close.proxy?.bytes?.s2c == upstream.bytesSent, "every byte the server sent was tapped")
    }

    @Test("response bodies that are not XML are returned unchanged and each shown as an error; the requests' stanzas are decoded")
    func responsesNotXML() throws {
        let upstream = try WebTestUpstream()  // answers "echo:" and the request body: not XML
        defer { upstream.stop() }
        let records = WebRecordCollector()
        let (proxy, port) = try proxy(to: "http://127.0.0.1:\(upstream.port)/http-bind", records: records)
        let bodies = [
            "<body rid='1' xmlns='http://jabber.org/protocol/httpbind' to='x.test' wait='60' hold='1'/>",
            "<body rid='2' sid='s' xmlns='http://jabber.org/protocol/httpbind'><message xmlns='jabber:client' to='a@x.test' id='m1'><body>hi</body></message></body>",
        ]
        let client = WebTestClient()
        try client.http(port: port, bodies.map { body in
            (.POST, "/http-bind", [("Host", "127.0.0.1:\(port)"), ("Content-Type", "text/xml; charset=utf-8")], body)
        })
        #expect(WebTestClient.wait { client.responses.count == bodies.count }, "\(client.responses.count) of \(bodies.count) responses")
        #expect(client.responses.map(\.body) == bodies.map { "echo:" + $0 }, "every response body came back unchanged")
        client.close()
        #expect(WebTestClient.wait { proxy.openConnectionCount == 0 })
        proxy.stop()
        let all = records.records
        // Each response is an http record, and the record after it in its direction says its body is not XML.
        let fromServer = all.filter { $0.direction == .s2c }
        let responses = fromServer.indices.filter { fromServer[$0].event == .http }
        #expect(responses.count == bodies.count, "\(fromServer.map(\.event.rawValue))")
        for index in responses {
            let next = fromServer.indices.contains(index + 1) ? fromServer[index + 1] : nil
            #expect(next?.event == .parseError && next?.error?.text?.contains("not well-formed") == true,
                    "after response \(index): \(next.map { "\($0.event.rawValue) \($0.error?.text ?? "")" } ?? "nothing")")
        }
        #expect(all.contains { $0.event == .stanza && $0.direction == .c2s && $0.kind == "message" && $0.id == "m1" && $0.rid == 2 })
    }

    @Test("a server nobody answers at gives the client 502 and a proxy-note")
    func unreachableUpstream() throws {
        let records = WebRecordCollector()
        // 15549: the top of the range these tests may use, where nothing listens.
        let (proxy, port) = try proxy(to: "http://127.0.0.1:15549/http-bind", records: records)
        let client = WebTestClient()
        try client.http(port: port, [(.POST, "/http-bind", [("Host", "x")], "<body rid='1'/>")])
        #expect(WebTestClient.wait { client.responses.count == 1 && client.closed })
        let response = try #require(client.responses.first)
        #expect(response.status == 502)
        #expect(response.body.contains("could not reach http://127.0.0.1:15549/http-bind"))
        #expect(WebTestClient.wait { proxy.openConnectionCount == 0 })
        proxy.stop()
        #expect(records.notes.contains { $0.hasPrefix("answered 502") }, "\(records.notes)")
        let connect = try #require(records.records.first { $0.event == .connect })
        #expect(connect.proxy?.reason?.contains("could not reach") == true)
    }

    @Test("a request that is not HTTP gets 400 and a proxy-note; every byte of it was tapped")
    func badRequest() throws {
        let upstream = try WebTestUpstream()
        defer { upstream.stop() }
        let records = WebRecordCollector()
        let (proxy, port) = try proxy(to: "http://127.0.0.1:\(upstream.port)/http-bind", records: records)
        let garbage = "<body rid='1'/> this is not HTTP\r\n\r\n"
        let client = WebTestClient()
        try client.raw(port: port, garbage)
        #expect(WebTestClient.wait { client.closed })
        #expect(client.raw.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), "\(client.raw)")
        #expect(WebTestClient.wait { proxy.openConnectionCount == 0 })
        proxy.stop()
        #expect(records.notes.contains { $0.hasPrefix("answered 400") }, "\(records.notes)")
        #expect(upstream.requests.isEmpty)
        let close = try #require(records.records.first { $0.event == .close })
        #expect(close.proxy?.bytes?.c2s == garbage.utf8.count)
    }

    @Test("an https upstream is verified: a certificate the trust store does not hold gives 502 naming --upstream-ca; with its CA the request goes through")
    func upstreamVerified() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("xmppscope-webtls-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        // A CA of the test's own issues the server's certificate for "localhost".
        let serverCA = try CertificateAuthority.loadOrCreate(in: home.path)
        let (certificate, key) = try serverCA.issueLeaf(for: "localhost")
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(certificate.serializeAsPEM().pemString.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(key.serializeAsPEM().pemString.utf8), format: .pem)))
        tls.minimumTLSVersion = .tlsv12
        let upstream = try WebTestUpstream(tls: try NIOSSLContext(configuration: tls))
        defer { upstream.stop() }
        var outcomes: [(Int, String)] = []
        for trust in [ProxyServer.UpstreamTrust.system, .file(serverCA.certificatePath)] {
            let records = WebRecordCollector()
            let url = try WebUpstreamURL("https://localhost:\(upstream.port)/http-bind", transport: .bosh)
            let proxy = WebProxyServer(configuration: .init(listenPort: 0, upstream: url, upstreamTrust: trust),
                                       output: records.output)
            let port = try proxy.start().port!
            let client = WebTestClient()
            try client.http(port: port, [(.POST, "/http-bind", [("Host", "x")], "<body rid='7'/>")])
            #expect(WebTestClient.wait { client.responses.count == 1 })
            client.close()
            #expect(WebTestClient.wait { proxy.openConnectionCount == 0 })
            proxy.stop()
            if let response = client.responses.first { outcomes.append((response.status, response.body)) }
            if case .file = trust {
                #expect(records.records.contains { $0.event == .tlsEstablished && $0.direction == .s2c })
            }
        }
        #expect(outcomes.count == 2)
        #expect(outcomes.first?.0 == 502)
        #expect(outcomes.first?.1.contains("--upstream-ca") == true, "\(outcomes.first?.1 ?? "")")
        #expect(outcomes.last?.0 == 200)
        #expect(outcomes.last?.1 == "echo:<body rid='7'/>")
    }

    @Test("upstream URLs: the scheme must fit the transport; ports default by scheme")
    func upstreamURLs() throws {
        let wss = try WebUpstreamURL("wss://example.org/xmpp-websocket", transport: .websocket)
        #expect(wss.host == "example.org" && wss.port == 443 && wss.usesTLS && wss.path == "/xmpp-websocket")
        #expect(wss.hostHeader == "example.org")
        let http = try WebUpstreamURL("http://[::1]:5280/http-bind", transport: .bosh)
        #expect(http.host == "::1" && http.port == 5280 && !http.usesTLS && http.hostHeader == "[::1]:5280")
        #expect(throws: WebUpstreamURLError.wrongScheme(url: "http://x/ws", expected: ["ws", "wss"])) {
            try WebUpstreamURL("http://x/ws", transport: .websocket)
        }
        #expect(throws: WebUpstreamURLError.badPort(url: "ws://x:0/")) { try WebUpstreamURL("ws://x:0/", transport: .websocket) }
        #expect(throws: WebUpstreamURLError.missingHost(url: "https:///b")) { try WebUpstreamURL("https:///b", transport: .bosh) }
    }
}
