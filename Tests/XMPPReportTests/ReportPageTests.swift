import Testing
import XMPPBase
import XMPPCore
import XMPPInspect
import Foundation
@testable import XMPPReport

/// The page `xmppscope report` writes: every marker filled, records that survive any stanza text,
/// the same bytes for the same input, no network allowed in a file.
@Suite("Report page")
struct ReportPageTests {
    static let repository = String(#filePath).components(separatedBy: "/Tests/")[0]

    /// A message whose body tries to end the records' `<script>` block and open a comment.
    static func hostileRecord() -> Record {
        var record = Record(seq: 7, timestamp: Timestamp(microseconds: 1_700_000_000_123_456), connection: 2, direction: .c2s, event: .stanza)
        record.kind = "message"
        record.type = "chat"
        record.xml = "<message type='chat'><body>&lt;/script&gt; </script><!-- <script>alert(1)</script> é ✓</body></message>"
        record.size = record.xmlBytes!.count
        return record
    }

    static func lines(of records: [Record]) -> [UInt8] {
        var lines: [UInt8] = []
        let collector = ReportRecordCollector()
        for record in records { collector.consume(record) }
        collector.finish()
        for record in records {
            JSONLinesWriter.encode(record, into: &lines)
            lines.append(0x0A)
        }
        #expect(collector.recordLines == lines)
        #expect(collector.count == records.count)
        return lines
    }

    /// The text between `<script … id="ID">` and the next `</script>`.
    static func scriptBlock(_ id: String, in page: String) -> String? {
        guard let start = page.range(of: "id=\"\(id)\">") else { return nil }
        guard let end = page[start.upperBound...].range(of: "</script>") else { return nil }
        return String(page[start.upperBound..<end.lowerBound])
    }

    @Test("every marker is filled and the records block holds each record whole, whatever its text")
    func recordsSurviveHostileText() throws {
        let records = [Self.hostileRecord(), Self.hostileRecord()]
        let page = String(decoding: ReportPage(title: "a <b> & 'c'", generator: "xmppscope test").render(recordLines: Self.lines(of: records)), as: UTF8.self)
        #expect(!page.contains("{{"))
        #expect(page.contains("<title>a &lt;b&gt; &amp; &#39;c&#39;</title>"))
        let block = try #require(Self.scriptBlock("xmppscope-records", in: page))
        #expect(!block.contains("<"))
        let lines = block.split(separator: "\n").filter { !$0.isEmpty }
        #expect(lines.count == records.count)
        for line in lines {
            // `\u003c` is `<` again once the JSON is read.
            var bytes = Array(line.utf8)
            let decoded = try bytes.withUnsafeMutableBufferPointer { try RecordDecoder.decode(UnsafeBufferPointer($0)) }
            #expect(decoded.xml == Self.hostileRecord().xml)
            #expect(decoded.seq == 7)
        }
        // Three script blocks with ids, and the inline script: four ends, no more.
        #expect(page.components(separatedBy: "</script>").count - 1 == 4)
    }

    @Test("a file page may open no connection; the live page only to its own server")
    func contentSecurityPolicy() throws {
        let file = String(decoding: ReportPage(title: "t", generator: "g").render(), as: UTF8.self)
        #expect(file.contains("connect-src 'none'"))
        #expect(file.contains("default-src 'none'"))
        let live = String(decoding: ReportPage(title: "t", generator: "g", mode: .live(eventsPath: "/events?token=abc")).render(), as: UTF8.self)
        #expect(live.contains("connect-src 'self'"))
        let configuration = try #require(Self.scriptBlock("xmppscope-config", in: live))
        #expect(configuration == #"{"mode":"live","events":"/events?token=abc","title":"t","generator":"g"}"#)
    }

    @Test("the same records give the same bytes")
    func deterministic() {
        let lines = Self.lines(of: [Self.hostileRecord()])
        let page = ReportPage(title: "t", generator: "g")
        #expect(page.render(recordLines: lines) == page.render(recordLines: lines))
    }

    @Test("the namespace table holds the registry, sorted")
    func namespaces() throws {
        let page = String(decoding: ReportPage(title: "t", generator: "g").render(), as: UTF8.self)
        let table = try #require(Self.scriptBlock("xmppscope-namespaces", in: page))
        #expect(table.contains(#""jabber:iq:roster":{"label":"roster","spec":"RFC 6121""#))
        #expect(table.components(separatedBy: #""label":"#).count - 1 == XMPPCore.NamespaceRegistry.all.count)
    }

    @Test("the compiled-in assets are the files in Sources/XMPPReport/Assets (scripts/embed-report-assets.py)")
    func assetsInSync() throws {
        let folder = Self.repository + "/Sources/XMPPReport/Assets/"
        for (name, compiled) in [("report.html", ReportAssets.html), ("report.css", ReportAssets.css), ("report.js", ReportAssets.script)] {
            let onDisk = try String(contentsOfFile: folder + name, encoding: .utf8)
            #expect(onDisk == compiled, "\(name) changed: run scripts/embed-report-assets.py")
        }
    }
}
