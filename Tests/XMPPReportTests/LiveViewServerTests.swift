import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
import XMPPBase
import XMPPInspect
@testable import XMPPReport

/// The live view's server on real sockets (127.0.0.1): who gets in, what the page carries, and
/// that the event stream holds every record once, in order, with history, resumption and a
/// bounded backlog.
@Suite("Live view server", .serialized)
struct LiveViewServerTests {
    /// Text that stands in a record's stanza: it must never reach a refused client.
    static let secret = "live-view-secret-body"

    /// A message record whose body holds `secret` and `padding` bytes of text.
    static func record(_ seq: Int, padding: Int = 0) -> Record {
        var record = Record(seq: seq, timestamp: Timestamp(microseconds: 1_700_000_000_000_000 + Int64(seq)), connection: 1, direction: .c2s, event: .stanza)
        record.kind = "message"
        record.type = "chat"
        record.xml = "<message type='chat'><body>\(secret) \(seq) \(String(repeating: "x", count: padding))</body></message>"
        record.size = record.xmlBytes!.count
        return record
    }

    /// A started server, its port, its sink, a client loop; stopped by `stop()`.
    final class Harness {
        let server: LiveViewServer
        let sink: LiveViewSink
        let port: Int
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var clients: [LiveTestClient] = []
        private var seq = 0

        init(limits: LiveHistoryLimits = LiveHistoryLimits(), keepAlive: TimeAmount = .seconds(15),
             waterMark: ChannelOptions.Types.WriteBufferWaterMark = .init(low: 64 << 10, high: 256 << 10)) throws {
            server = LiveViewServer(configuration: LiveViewConfiguration(
                title: "xmppscope proxy → example.org", generator: "xmppscope test",
                limits: limits, keepAliveInterval: keepAlive, writeBufferWaterMark: waterMark))
            port = try #require(try server.start().port)
            sink = LiveViewSink(server: server)
        }

        var token: String { server.token.text }

        /// `count` records through the sink, flushed as one batch.
        func publish(_ count: Int, padding: Int = 0) {
            for _ in 0..<count {
                seq += 1
                sink.consume(LiveViewServerTests.record(seq, padding: padding))
            }
            sink.flush()
        }

        func client(_ uri: String, host: String? = nil, method: HTTPMethod = .GET, headers: [(String, String)] = [],
                    reads: Bool = true, keepBody: Bool = true) throws -> LiveTestClient {
            let client = try LiveTestClient(group: group, port: port, uri: uri, host: host, method: method,
                                            headers: headers, reads: reads, keepBody: keepBody)
            clients.append(client)
            return client
        }

        /// Waits (bounded) until the server's state satisfies `condition`.
        func waitForServer(seconds: Double = 20, _ condition: (LiveViewSnapshot) -> Bool) throws -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if condition(try server.snapshot()) { return true }
                usleep(2_000)
            }
            return condition(try server.snapshot())
        }

        func stop() {
            for client in clients { client.close() }
            server.stop()
            try? group.syncShutdownGracefully()
        }
    }

    @Test("no token, a wrong token, a foreign Host: 403 and nothing of the session")
    func refusals() throws {
        let harness = try Harness()
        defer { harness.stop() }
        harness.publish(3)
        var wrong = Array(harness.token)
        wrong[5] = wrong[5] == "A" ? "B" : "A"
        let refused: [(String, String?)] = [
            ("/", nil),
            ("/events", nil),
            ("/?token=", nil),
            ("/?token=\(String(wrong))", nil),
            ("/events?token=\(String(wrong))", nil),
            ("/?token=\(harness.token.dropLast())", nil),
            ("/?token=\(harness.token)x", nil),
            ("/?token=\(harness.token)&token=\(harness.token)", nil),
            ("/?token=\(harness.token)", "attacker.example:\(harness.port)"),
            ("/events?token=\(harness.token)", "attacker.example:\(harness.port)"),
            ("/?token=\(harness.token)", "127.0.0.1:\(harness.port + 1)"),
            ("/?token=\(harness.token)", "127.0.0.1"),
            ("/nothing-here", nil),
        ]
        var checked = 0
        for (uri, host) in refused {
            let client = try harness.client(uri, host: host)
            #expect(client.wait { $0.ended })
            let response = client.snapshot
            #expect(response.status == 403, "\(uri) Host \(host ?? "default")")
            #expect(!response.text.contains(LiveViewServerTests.secret))
            #expect(!response.text.contains(harness.token))
            #expect(!response.text.contains("xmppscope-config"))
            #expect(response.events.isEmpty)
            checked += 1
        }
        #expect(checked == refused.count)
        #expect(try harness.server.snapshot().subscribers == 0)
    }

    @Test("the right token gets the live page: 200, the page's CSP as a header, no-store, nosniff, no-referrer")
    func page() throws {
        let harness = try Harness()
        defer { harness.stop() }
        let client = try harness.client("/?token=\(harness.token)", host: "localhost:\(harness.port)")
        #expect(client.wait { $0.ended })
        let response = client.snapshot
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "text/html; charset=utf-8")
        #expect(response.header("Cache-Control") == "no-store")
        #expect(response.header("X-Content-Type-Options") == "nosniff")
        #expect(response.header("Referrer-Policy") == "no-referrer")
        let policy = try #require(response.header("Content-Security-Policy"))
        #expect(policy == Self.metaPolicy(in: response.text))
        #expect(policy.contains("connect-src 'self'"))
        #expect(policy.contains("default-src 'none'"))
        #expect(response.text.contains(#""mode":"live","events":"/events?token=\#(harness.token)""#))
        #expect(response.text.contains("<title>xmppscope proxy → example.org</title>"))
    }

    @Test("other paths 404, other methods 405 (with the token)")
    func notFoundAndMethod() throws {
        let harness = try Harness()
        defer { harness.stop() }
        let cases: [(String, HTTPMethod, Int)] = [
            ("/other?token=\(harness.token)", .GET, 404),
            ("/events/x?token=\(harness.token)", .GET, 404),
            ("/?token=\(harness.token)", .POST, 405),
            ("/events?token=\(harness.token)", .DELETE, 405),
        ]
        for (uri, method, status) in cases {
            let client = try harness.client(uri, method: method)
            #expect(client.wait { $0.ended })
            #expect(client.snapshot.status == status, "\(method) \(uri)")
            #expect(!client.snapshot.text.contains(LiveViewServerTests.secret))
        }
    }

    /// The events' ids and the records' seqs, which must run 1…n together.
    static func expectInOrder(_ events: [LiveTestClient.Event], from first: Int, through last: Int) {
        #expect(events.count == last - first + 1)
        for (offset, event) in events.enumerated() {
            #expect(event.id == first + offset)
            #expect(event.name == nil)
            #expect(event.data.hasPrefix("{\"v\":1,\"seq\":\(first + offset),"), "\(event.data.prefix(40))")
        }
    }

    @Test("the stream sends the history, then each new record: in order, each once")
    func historyThenLive() throws {
        let harness = try Harness()
        defer { harness.stop() }
        harness.publish(50)
        let client = try harness.client("/events?token=\(harness.token)")
        #expect(client.wait { $0.events.count >= 50 })
        #expect(client.snapshot.status == 200)
        #expect(client.snapshot.header("Content-Type") == "text/event-stream; charset=utf-8")
        #expect(client.snapshot.header("Cache-Control") == "no-store")
        for round in 0..<5 {
            harness.publish(10 + round)
        }
        let total = 50 + (10 + 11 + 12 + 13 + 14)
        #expect(client.wait { $0.events.last?.id == total })
        // A last record: had anything come twice, the count would pass it.
        harness.publish(1)
        #expect(client.wait { $0.events.last?.id == total + 1 })
        Self.expectInOrder(client.snapshot.events, from: 1, through: total + 1)
        #expect(try harness.server.snapshot().subscribers == 1)
    }

    @Test("Last-Event-ID resumes after the record it names")
    func resume() throws {
        let harness = try Harness()
        defer { harness.stop() }
        harness.publish(30)
        let client = try harness.client("/events?token=\(harness.token)", headers: [("Last-Event-ID", "12")])
        #expect(client.wait { $0.events.last?.id == 30 })
        harness.publish(2)
        #expect(client.wait { $0.events.last?.id == 32 })
        Self.expectInOrder(client.snapshot.events, from: 13, through: 32)
    }

    @Test("past the history's bound the oldest go, and a stream that starts later is told with a 'dropped' event")
    func boundedHistory() throws {
        let harness = try Harness(limits: LiveHistoryLimits(maxBytes: 1 << 20, maxEvents: 10))
        defer { harness.stop() }
        harness.publish(25)
        #expect(try harness.waitForServer { $0.nextID == 26 })
        #expect(try harness.server.snapshot().firstID == 16)
        let client = try harness.client("/events?token=\(harness.token)")
        #expect(client.wait { $0.events.last?.id == 25 })
        let events = client.snapshot.events
        #expect(events.first == LiveTestClient.Event(id: nil, name: "dropped", data: #"{"dropped":15,"first":16}"#))
        Self.expectInOrder(Array(events.dropFirst()), from: 16, through: 25)
    }

    @Test("a browser that does not read is cut off; the server and the other browsers go on")
    func slowClientCutOff() throws {
        let harness = try Harness(limits: LiveHistoryLimits(maxBytes: 512 << 20, maxEvents: 1_000_000, maxClientBacklogBytes: 256 << 10),
                                  waterMark: .init(low: 16 << 10, high: 64 << 10))
        defer { harness.stop() }
        let reader = try harness.client("/events?token=\(harness.token)", keepBody: false)
        _ = try harness.client(  // never reads
            "/events?token=\(harness.token)", reads: false, keepBody: false)
        #expect(try harness.waitForServer { $0.subscribers == 2 })
        // 64 KiB a batch until the stalled one is cut off: its kernel buffers fill, then NIO's, then
        // the backlog. Bounded: 256 MiB at most.
        var batches = 0
        while try harness.server.snapshot().cutOff == 0 && batches < 4096 {
            harness.publish(16, padding: 4000)
            batches += 1
            _ = try harness.waitForServer { $0.nextID == batches * 16 + 1 }
        }
        #expect(try harness.server.snapshot().cutOff == 1)
        #expect(try harness.waitForServer { $0.subscribers == 1 })
        harness.publish(1)
        let total = batches * 16 + 1
        #expect(reader.wait(seconds: 60) { $0.events.last?.id == total })
        Self.expectInOrder(reader.snapshot.events, from: 1, through: total)
        // The server still serves.
        let page = try harness.client("/?token=\(harness.token)")
        #expect(page.wait { $0.ended })
        #expect(page.snapshot.status == 200)
    }

    @Test("an idle stream gets comment lines")
    func keepAlive() throws {
        let harness = try Harness(keepAlive: .milliseconds(50))
        defer { harness.stop() }
        let client = try harness.client("/events?token=\(harness.token)")
        #expect(client.wait { $0.comments >= 2 })
        #expect(client.snapshot.events.isEmpty)
    }

    /// The `content` of the page's `<meta http-equiv="Content-Security-Policy" content="…">`.
    static func metaPolicy(in html: String) -> String? {
        guard let tag = html.range(of: "http-equiv=\"Content-Security-Policy\" content=\""),
              let end = html[tag.upperBound...].firstIndex(of: "\"") else { return nil }
        return String(html[tag.upperBound..<end])
    }

}
