import Testing
import XMPPCore
@testable import XMPPInspect
import XMPPBase

/// BOSH (XEP-0124/0206) through the inspector: one session over several TCP connections is one
/// connection, tied by sid; creation, restart and terminate are the stream's opens and closes;
/// the stanzas inside the bodies come out in wire order, with their rid.
@Suite("BOSH transport")
struct BOSHTransportTests {
    typealias Build = WebTrafficBuilder
    static let ns = "xmlns='http://jabber.org/protocol/httpbind'"
    static let xbosh = "xmlns:xmpp='urn:xmpp:xbosh'"

    /// Creation and a restart on connection 1, a long poll held on connection 1 while connection 2
    /// carries an iq and its answer, then terminate.
    static func session(options: InspectorOptions = InspectorOptions()) -> WebTrafficBuilder {
        let build = Build(options: options)
        build.open(1, clientPort: 40001)
        build.open(2, clientPort: 40002)
        build.send(1, .c2s, Build.post("<body rid='100' \(ns) \(xbosh) to='example.org' xml:lang='en' wait='60' hold='1' xmpp:version='1.0'/>"))
        build.send(1, .s2c, Build.ok("<body \(ns) \(xbosh) xmlns:stream='http://etherx.jabber.org/streams' sid='S1' wait='60' requests='2' "
            + "xmpp:version='1.0'><stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features></body>"))
        build.send(1, .c2s, Build.post("<body rid='101' sid='S1' \(ns) \(xbosh) to='example.org' xmpp:restart='true'/>"))
        build.send(1, .s2c, Build.ok("<body \(ns) xmlns:stream='http://etherx.jabber.org/streams'><stream:features>"
            + "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features></body>"))
        // A long poll held on 1 ...
        build.send(1, .c2s, Build.post("<body rid='102' sid='S1' \(ns)/>"))
        // ... while 2 carries the iq and its answer.
        build.send(2, .c2s, Build.post("<body rid='103' sid='S1' \(ns)><iq xmlns='jabber:client' type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq></body>"))
        build.send(2, .s2c, Build.ok("<body \(ns)><iq xmlns='jabber:client' type='result' id='r1'><query xmlns='jabber:iq:roster'/></iq></body>"))
        build.send(1, .s2c, Build.ok("<body \(ns)/>"))
        build.send(2, .c2s, Build.post("<body rid='104' sid='S1' type='terminate' \(ns)><presence xmlns='jabber:client' type='unavailable'/></body>"))
        build.send(2, .s2c, Build.ok("<body \(ns) type='terminate'/>"))
        build.close(1)
        build.close(2)
        build.finish()
        return build
    }

    @Test("one session over two TCP connections is one conn; its records in wire order with their rids")
    func oneSessionTwoConnections() {
        let records = Self.session().records
        let summary = records.map { "\($0.direction.rawValue) \($0.event.rawValue) \($0.kind ?? "-") \($0.rid.map(String.init) ?? "-")" }
        #expect(summary == [
            "c2s http request 100", "c2s stream-open body 100",
            "s2c http response 100", "s2c stream-open body 100", "s2c nonza features 100",
            "c2s http request 101", "c2s stream-open body 101",
            "s2c http response 101", "s2c stream-open body 101", "s2c nonza features 101",
            "c2s http request 102",
            "c2s http request 103", "c2s stanza iq 103",
            "s2c http response 103", "s2c stanza iq 103",
            "s2c http response 102",
            "c2s http request 104", "c2s stanza presence 104", "c2s stream-close stream 104",
            "s2c http response 104", "s2c stream-close stream 104",
        ])
        #expect(records.allSatisfy { $0.connection == 1 && $0.transport == .bosh })
        let iqResult = records.first { $0.kind == "iq" && $0.type == "result" }
        #expect(iqResult?.requestSeq == records.first { $0.kind == "iq" && $0.type == "get" }?.seq)
        #expect(iqResult?.rttMilliseconds != nil)
        // The requests on connection 2 say so; those on 1 need not.
        #expect(records.filter { $0.event == .http && $0.http?.via == 2 }.count == 4)
        #expect(records.filter { $0.event == .http && $0.http?.via != nil }.count == 4)
        #expect(records.first { $0.event == .http && $0.kind == "response" }?.http?.sid == "S1")
        #expect(!records.contains { $0.event == .webError || $0.event == .parseError })
    }

    @Test("the summary shows one BOSH connection with its two HTTP connections")
    func summary() {
        let build = Self.session()
        let report = SummaryReport(output: nil)
        report.connections = { build.inspector.connections }
        build.records.forEach(report.consume)
        let text = report.render()
        #expect(text.contains("over BOSH"))
        #expect(text.contains("HTTP connections: #1 127.0.0.1:40001, #2 127.0.0.1:40002"))
        #expect(text.contains("iq pairs: 1"))
        #expect(text.hasPrefix("#1 "))
        #expect(!text.contains("#2 "+"127.0.0.1:40002 →"))
    }

    @Test("a repeated rid and one out of order are web errors")
    func ridProblems() {
        let build = Build()
        build.open(1)
        build.send(1, .c2s, Build.post("<body rid='10' \(Self.ns) to='example.org'/>"))
        build.send(1, .s2c, Build.ok("<body \(Self.ns) sid='S2'/>"))
        for rid in [11, 12, 12, 14, 13] {
            build.send(1, .c2s, Build.post("<body rid='\(rid)' sid='S2' \(Self.ns)/>"))
            build.send(1, .s2c, Build.ok("<body \(Self.ns)/>"))
        }
        build.close(1)
        build.finish()
        let errors = build.records.filter { $0.event == .webError }.compactMap(\.error?.text)
        #expect(errors.count == 3)
        #expect(errors[0].contains("rid 12 repeated"))
        #expect(errors[1].contains("rid 14 after rid 12: 1 request not seen"))
        #expect(errors[2].contains("rid 13 after rid 14: requests out of order"))
    }

    @Test("a 404 on the endpoint is a record with its error; the session ends there")
    func notFound() {
        let build = Build()
        build.open(1)
        build.send(1, .c2s, Build.post("<body rid='1' \(Self.ns) to='example.org'/>", path: "/wrong-bind"))
        build.send(1, .s2c, Build.status(404, "Not Found"))
        build.close(1)
        build.finish()
        let http = build.records.filter { $0.event == .http }
        #expect(http.count == 2)
        #expect(http[0].http?.target == "/wrong-bind")
        #expect(http[1].http?.status == 404 && http[1].error?.condition == "http-404")
    }

    @Test("a body that is not XML is a parse error in the session; the next body is read")
    func notXML() {
        let build = Build()
        build.open(1)
        build.send(1, .c2s, Build.post("<body rid='1' \(Self.ns) to='example.org'/>"))
        build.send(1, .s2c, Build.ok("<body \(Self.ns) sid='S3'/>"))
        build.send(1, .c2s, Build.post("<body rid='2' sid='S3' \(Self.ns)><iq xmlns='jabber:client' type='get' id='x'><broken></iq></body>"))
        build.send(1, .s2c, Build.ok("<body \(Self.ns)/>"))
        build.send(1, .c2s, Build.post("<body rid='3' sid='S3' \(Self.ns)><iq xmlns='jabber:client' type='get' id='y'/></body>"))
        build.close(1)
        build.finish()
        #expect(build.records.filter { $0.event == .parseError }.count == 1)
        #expect(build.records.stanzas.map(\.id) == ["y"])
        #expect(build.records.allSatisfy { $0.connection == 1 })
    }

    @Test("written to the log and read back: transport, rid and the http object survive")
    func logRoundTrip() throws {
        for record in Self.session().records {
            var line: [UInt8] = []
            JSONLinesWriter.encode(record, into: &line)
            let back = try line.withUnsafeBufferPointer { try RecordDecoder.decode($0) }
            #expect(back.transport == .bosh && back.rid == record.rid && back.http == record.http)
        }
    }
}
