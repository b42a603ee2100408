import Foundation
import Testing
import XMPPBase
import XMPPCore
import XMPPInspect
import XMPPReport

/// The report page in a real browser: headless Chromium (Debian's `chromium`) driven through the
/// DevTools protocol by scripts/peers/browser/check_report.py opens the page of a capture from
/// disk; this test computes from the records, on its own, what the page must show, and compares.
/// The screenshot goes to .build/artifacts/report-browser/.
@Suite("Report page in Chromium", .serialized)
struct ReportBrowserTests {
    static let artifacts = repositoryRoot.appendingPathComponent(".build/artifacts/report-browser")
    static let driver = repositoryRoot.appendingPathComponent("scripts/peers/browser/check_report.py").path
    static let arrowEvents: Set<Record.Event> = [.streamOpen, .stanza, .nonza, .streamError, .streamClose, .http, .webSocket]

    /// The records of `path` as `xmppscope report` collects them (checks on, secrets redacted).
    static func records(_ path: String) throws -> [Record] {
        var records: [Record] = []
        try RecordSource.read(path, options: InspectorOptions(keepsElements: false, checks: .all),
                              each: { records.append($0) }, badLine: { Issue.record("bad line \($0)") })
        return records
    }

    /// Writes the page of `records`, titled as `xmppscope report` titles it, and returns its path.
    static func writePage(_ records: [Record], name: String, title: String) throws -> String {
        var lines: [UInt8] = []
        for record in records {
            JSONLinesWriter.encode(record, into: &lines)
            lines.append(0x0A)
        }
        let page = ReportPage(title: title, generator: "xmppscope").render(recordLines: lines)
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let url = artifacts.appendingPathComponent(name + ".html")
        try Data(page).write(to: url)
        return url.path
    }

    /// Runs the driver (bounded: it kills Chromium by PID when it is done or stuck) and reads its JSON.
    static func drive(_ page: String, arguments: [String]) throws -> [String: Any] {
        #expect(toolAvailable("chromium"), "chromium is not installed: scripts/install-deps.sh installs it")
        // Files, not pipes: a pipe's end inherited by another process would hold EOF back.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("xmppscope-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let result = scratch.appendingPathComponent("result.json"), log = scratch.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", driver, page, "--timeout", "90", "--out", result.path] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 300, execute: watchdog)
        process.waitUntilExit()
        watchdog.cancel()
        guard process.terminationStatus == 0 else {
            let problem = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw ToolError.failed("check_report.py exited \(process.terminationStatus): \(problem)")
        }
        let data = try Data(contentsOf: result)
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ToolError.failed("check_report.py printed no JSON object")
        }
        return json
    }

    /// What the page must show, computed from the records alone.
    struct Expected {
        struct Connection: Equatable {
            var arrows = 0, pairs = 0, errors = 0, findings = 0, gaps = 0, parseErrors = 0, unanswered = 0
            var errorArrows = 0, restarts = 0
            var arrowSeqs: [Int] = []
            var markers: [String: Int] = [:]
        }
        var items: [Record] = []
        var connections: [Int: Connection] = [:]
        var connectionOrder: [Int] = []
        var errors = 0
        var findings = 0

        init(_ records: [Record]) {
            var opened: Set<String> = []
            for record in records {
                if connections[record.connection] == nil {
                    connections[record.connection] = Connection()
                    connectionOrder.append(record.connection)
                }
                if record.event == .finding {
                    connections[record.connection]!.findings += 1
                    findings += 1
                    continue
                }
                if record.unanswered {
                    connections[record.connection]!.unanswered += 1
                    continue
                }
                items.append(record)
                var connection = connections[record.connection]!
                if ReportBrowserTests.arrowEvents.contains(record.event) {
                    connection.arrows += 1
                    connection.arrowSeqs.append(record.seq)
                    if record.error != nil { connection.errorArrows += 1 }
                } else {
                    connection.markers[record.event.rawValue, default: 0] += 1
                }
                if record.event == .streamOpen {
                    let key = "\(record.connection) \(record.direction)"
                    if opened.contains(key) { connection.restarts += 1 }
                    opened.insert(key)
                }
                if record.requestSeq != nil { connection.pairs += 1 }
                if record.error != nil { connection.errors += 1; errors += 1 }
                if record.event == .gap { connection.gaps += 1 }
                if record.event == .parseError { connection.parseErrors += 1 }
                connections[record.connection] = connection
            }
        }
    }

    /// The page's search text of a record: its XML, attributes, namespaces with their labels, error
    /// and findings (lower-cased), as docs/report.md says the search looks.
    static func searchText(_ record: Record, findings: [Finding]) -> String {
        let namespaces = record.namespaces.map { ns in
            NamespaceRegistry.info(for: ns).map { "\(ns) \($0.label) · \($0.spec)" } ?? "\(ns) \(ns)"
        }
        let error = record.error.map { "\($0.condition ?? "") \($0.text ?? "")" } ?? ""
        return [record.xml ?? "", record.id ?? "", record.from ?? "", record.to ?? "", record.kind ?? "", record.type ?? "",
                record.event.rawValue, namespaces.joined(separator: " "), error,
                findings.map { "\($0.id) \($0.message)" }.joined(separator: " ")].joined(separator: "\n").lowercased()
    }

    /// `xmppscope stats`' number format.
    static func format(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    static func check(capture: String, name: String, search: String, screenshot: Bool) throws {
        let records = try records(capture)
        #expect(records.count > 20)
        let page = try writePage(records, name: name, title: URL(fileURLWithPath: capture).lastPathComponent)
        let shot = artifacts.appendingPathComponent(name + ".png").path
        let json = try drive(page, arguments: ["--chip", "cat=iq", "--chip", "flag=errors", "--search", search]
            + (screenshot ? ["--screenshot", shot] : []))
        // It asked for nothing but itself, and a second load gives the same DOM.
        #expect(json["requests"] as? [String] == ["file://" + page])
        #expect(json["dom_identical"] as? Bool == true)
        try compare(json, with: records, search: search)
        if screenshot {
            #expect(FileManager.default.fileExists(atPath: shot))
        }
    }

    /// What the page (file or live) shows against what the records say.
    static func compare(_ json: [String: Any], with records: [Record], search: String) throws {
        let expected = Expected(records)

        // Nothing went wrong in the page.
        #expect((json["console"] as? [Any])?.isEmpty == true, "console: \(json["console"] ?? "")")
        #expect((json["exceptions"] as? [Any])?.isEmpty == true, "exceptions: \(json["exceptions"] ?? "")")
        #expect((json["log"] as? [Any])?.isEmpty == true, "log: \(json["log"] ?? "")")

        // Header.
        let summary = try #require(json["summary"] as? [String: String])
        #expect(summary["stat-records"] == String(records.count))
        #expect(summary["stat-connections"] == String(expected.connections.count))
        #expect(summary["stat-errors"] == String(expected.errors))
        #expect(summary["stat-findings"] == String(expected.findings))

        // The connection summary, and what each sequence view drew when scrolled through.
        let rows = try #require(json["connections"] as? [[String: Int]])
        let withRows = expected.connectionOrder.filter { expected.connections[$0]!.arrows + expected.connections[$0]!.markers.values.reduce(0, +) > 0 }
        #expect(rows.compactMap { $0["conn"] } == withRows)
        let sequences = try #require(json["sequence"] as? [[String: Any]])
        #expect(sequences.count == withRows.count)
        var arrowsSeen = 0
        for (row, sequence) in zip(rows, sequences) {
            let id = try #require(row["conn"])
            let want = try #require(expected.connections[id])
            #expect(row["arrows"] == want.arrows, "conn \(id) arrows")
            #expect(row["pairs"] == want.pairs, "conn \(id) pairs")
            #expect(row["errors"] == want.errors, "conn \(id) errors")
            #expect(row["findings"] == want.findings, "conn \(id) findings")
            #expect(row["gaps"] == want.gaps, "conn \(id) gaps")
            #expect(row["parseErrors"] == want.parseErrors, "conn \(id) parse errors")
            #expect(row["unanswered"] == want.unanswered, "conn \(id) unanswered")
            #expect(sequence["shown_conn"] as? Int == id)
            #expect(sequence["arrows"] as? Int == want.arrows, "conn \(id): arrows drawn")
            #expect(sequence["arrow_seqs"] as? [Int] == want.arrowSeqs, "conn \(id): arrows in time order")
            #expect(sequence["error_arrows"] as? Int == want.errorArrows, "conn \(id): red arrows")
            #expect(sequence["pairs"] as? Int == want.pairs, "conn \(id): iq pair brackets")
            #expect(sequence["restarts"] as? Int == want.restarts, "conn \(id): stream restarts")
            #expect(sequence["markers"] as? [String: Int] == want.markers, "conn \(id): markers")
            // A virtual list: never many more rows in the DOM than fit in the view.
            #expect((sequence["most_rows_in_dom"] as? Int ?? .max) <= 60)
            arrowsSeen += sequence["arrows"] as? Int ?? 0
        }
        #expect(arrowsSeen == expected.connections.values.reduce(0) { $0 + $1.arrows })

        // Tables.
        #expect(json["errors_rows"] as? Int == expected.errors)
        #expect(json["findings_rows"] as? Int == expected.findings)
        let statistics = LatencyStatistics()
        statistics.startSource()
        for record in records { statistics.consume(record) }
        let latency = try #require(json["latency"] as? [[String: Any]])
        #expect(latency.count == statistics.latencies.count)
        for row in latency {
            let ns = try #require(row["ns"] as? String)
            let sorted = try #require(statistics.latencies[ns]).sorted()
            #expect(row["count"] as? Int == sorted.count, "\(ns) count")
            #expect(row["bars"] as? Int == sorted.count, "\(ns): histogram bars hold every sample")
            for p in [50.0, 95.0, 99.0] {
                #expect(row["p\(Int(p))"] as? String == format(SummaryReport.percentile(sorted, p)!), "\(ns) p\(Int(p))")
            }
            #expect(row["max"] as? String == format(sorted.last!), "\(ns) max")
        }

        // The stanza list, its quick filters and its search.
        #expect(json["list_total"] as? Int == expected.items.count)
        #expect(json["list_shown"] as? Int == expected.items.count)
        #expect((json["list_rows_in_dom"] as? Int ?? .max) <= 60)
        let chips = try #require(json["chips"] as? [String: Int])
        let iqs = expected.items.filter { $0.event == .stanza && $0.kind == "iq" }.count
        let errors = expected.items.filter { $0.error != nil }.count
        #expect(iqs > 0 && iqs < expected.items.count)
        #expect(chips["cat=iq"] == iqs)
        #expect(chips["cat=iq off"] == expected.items.count)
        #expect(chips["flag=errors"] == errors)
        #expect(chips["flag=errors off"] == expected.items.count)
        var findingsBySeq: [String: [Finding]] = [:]
        for record in records where record.event == .finding {
            findingsBySeq["\(record.connection):\(record.seq)", default: []].append(record.finding!)
        }
        let matching = expected.items.filter {
            searchText($0, findings: findingsBySeq["\($0.connection):\($0.seq)"] ?? []).contains(search.lowercased())
        }.count
        #expect(matching > 0 && matching < expected.items.count)
        let searches = try #require(json["searches"] as? [String: Int])
        #expect(searches[search] == matching)
        #expect(searches[search + " cleared"] == expected.items.count)

        // An expanded row shows its XML indented and its namespace labels; rows and arrows link both ways.
        let expand = try #require(json["expand"] as? [String: Any])
        #expect(expand["expanded"] as? Bool == true)
        #expect((expand["xml_lines"] as? Int ?? 0) > 1)
        let labels = expand["labels"] as? [String] ?? []
        #expect(!labels.isEmpty && labels.allSatisfy { $0.hasPrefix("# ") })
        let link = try #require(json["link"] as? [String: [String: Int]])
        #expect(link["to_sequence"]?["selected_seq"] == link["to_sequence"]?["seq"])
        #expect(link["to_sequence"]?["shown_conn"] == link["to_sequence"]?["conn"])
        #expect(link["to_list"]?["selected_seq"] == link["to_list"]?["seq"])
    }

    /// Starts scripts/peers/browser/sse_stub.py (a stand-in for the live server) and returns it
    /// with its port.
    static func startStub(page: String, records: String, token: String, pauseAfter: Int) throws -> (Process, Int) {
        let portFile = artifacts.appendingPathComponent("live.port")
        try? FileManager.default.removeItem(at: portFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repositoryRoot.appendingPathComponent("scripts/peers/browser/sse_stub.py").path,
                             page, records, "--token", token, "--pause-after", String(pauseAfter), "--lifetime", "300",
                             "--port-file", portFile.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline && process.isRunning {
            if let text = try? String(contentsOf: portFile, encoding: .utf8),
               let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return (process, port)
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        process.terminate()
        throw ToolError.failed("sse_stub.py wrote no port within 30 s")
    }

    @Test("live mode: records sent as server-sent events appear as they come (the stream paused after 40: exactly 40 shown, state live), then the page shows what the file page shows; disconnected when the stream ends")
    func liveMode() throws {
        let capture = repositoryRoot.appendingPathComponent("captures/c2s-plain.pcap").path
        let records = try Self.records(capture)
        let pause = 40
        #expect(records.count > pause)
        let token = UUID().uuidString
        var lines: [UInt8] = []
        for record in records {
            JSONLinesWriter.encode(record, into: &lines)
            lines.append(0x0A)
        }
        try FileManager.default.createDirectory(at: Self.artifacts, withIntermediateDirectories: true)
        let recordsFile = Self.artifacts.appendingPathComponent("live.jsonl")
        try Data(lines).write(to: recordsFile)
        let page = ReportPage(title: "live", generator: "xmppscope", mode: .live(eventsPath: "/events?token=\(token)")).render()
        let pageFile = Self.artifacts.appendingPathComponent("live.html")
        try Data(page).write(to: pageFile)

        let (stub, port) = try Self.startStub(page: pageFile.path, records: recordsFile.path, token: token, pauseAfter: pause)
        defer { stub.terminate(); stub.waitUntilExit() }
        let base = "http://127.0.0.1:\(port)"
        let json = try Self.drive("\(base)/?token=\(token)", arguments: [
            "--stage", "\(pause)@\(base)/continue?token=\(token)", "--stage", String(records.count), "--final-state", "disconnected",
            "--chip", "cat=iq", "--chip", "flag=errors", "--search", "roster",
        ])
        let stages = try #require(json["stages"] as? [[String: Any]])
        #expect(stages.count == 3)
        // Half way the stream is paused: the page shows exactly what has come, and says it is live.
        let shownSoFar = Expected(Array(records.prefix(pause))).items.count
        #expect(stages.first?["records"] as? Int == pause)
        #expect(stages.first?["shown"] as? Int == shownSoFar)
        #expect(stages.first?["state"] as? String == "live")
        #expect(stages.last?["records"] as? Int == records.count)
        #expect(stages.last?["final"] as? String == "disconnected")
        // The page and its event stream, nothing else. EventSource asks for the stream again a few
        // seconds after it ends (the stub answers 204, which stops it): on a loaded machine that
        // can happen before the driver is done, so a repeated stream request is no other request.
        let requests = try #require(json["requests"] as? [String])
        let pageURL = "\(base)/?token=\(token)", events = "\(base)/events?token=\(token)"
        #expect(requests.prefix(2) == [pageURL, events], "\(requests)")
        #expect(requests.dropFirst(2).allSatisfy { $0 == events }, "\(requests)")
        try Self.compare(json, with: records, search: "roster")
    }

    @Test("captures/c2s-plain.pcap: arrows, iq pairs, errors, findings and latency as the records say; filter and search; no console output, no request; screenshot")
    func c2sPlain() throws {
        try Self.check(capture: repositoryRoot.appendingPathComponent("captures/c2s-plain.pcap").path,
                       name: "c2s-plain", search: "roster", screenshot: true)
    }

    @Test("nDPI jabber.pcap (public, seven connections, sequence gaps, stanza errors): the same checks")
    func ndpi() throws {
        try Self.check(capture: publicCapture("ndpi-jabber.pcap"), name: "ndpi-jabber", search: "disco#info", screenshot: true)
    }
}
