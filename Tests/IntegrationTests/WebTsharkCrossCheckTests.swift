import Foundation
import Testing
import XMPPBase
import XMPPInspect

/// tshark as the second opinion on the web layers of the web captures: the WebSocket text
/// messages each way (one frame each: Chromium and Prosody do not fragment) and the BOSH POSTs.
@Suite("Web captures cross-checked with tshark")
struct WebTsharkCrossCheckTests {
    /// A capture, its web server port, and its key log for TLS.
    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var port: Int
        var keyLog: String?
        var description: String { name }
        var path: String { repositoryRoot.appendingPathComponent("captures/\(name).pcap").path }
    }

    static let webSocketCases = [
        Case(name: "web-websocket", port: 15500),
        Case(name: "web-wss", port: 15501, keyLog: "web-wss.keys"),
        Case(name: "web-deflate", port: 15503),
        Case(name: "web-deflate-nocontext", port: 15503),
    ]
    static let boshCases = [
        Case(name: "web-bosh", port: 15500),
        Case(name: "web-https-bosh", port: 15501, keyLog: "web-https-bosh.keys"),
    ]

    /// tshark's fields, one line per packet; values of several PDUs in a packet joined by commas.
    static func tshark(_ test: Case, filter: String, fields: [String]) throws -> [[String]] {
        var arguments = ["-n", "-2", "-r", test.path]
        if let keyLog = test.keyLog {
            arguments += ["-o", "tls.keylog_file:" + repositoryRoot.appendingPathComponent("captures/\(keyLog)").path,
                          "-d", "tcp.port==\(test.port),tls"]
        } else {
            arguments += ["-d", "tcp.port==\(test.port),http"]
        }
        arguments += ["-Y", filter, "-T", "fields"] + fields.flatMap { ["-e", $0] }
        return try run("tshark", arguments).split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    static func replay(_ test: Case) throws -> [Record] {
        var records: [Record] = []
        let keyLog = try test.keyLog.map {
            try KeyLogFiles(paths: [repositoryRoot.appendingPathComponent("captures/\($0)").path], mayGrow: false) { _ in }
        }
        let inspector = Inspector(keyLog: keyLog) { records.append($0) }
        _ = try Replayer.replay(path: test.path, into: inspector)
        return records
    }

    @Test("WebSocket text messages each way: as many as tshark's text frames", arguments: webSocketCases)
    func webSocketMessages(test: Case) throws {
        try #require(toolAvailable("tshark"), "tshark is missing: run scripts/test.sh, which installs it")
        var theirs: [Direction: Int] = [.c2s: 0, .s2c: 0]
        for line in try Self.tshark(test, filter: "websocket.opcode == 1", fields: ["tcp.srcport", "websocket.opcode"]) {
            let direction: Direction = line[0] == String(test.port) ? .s2c : .c2s
            theirs[direction, default: 0] += line[1].split(separator: ",").filter { $0 == "1" }.count
        }
        let records = try Self.replay(test).filter { $0.transport == .websocket }
        for direction in Direction.allCases {
            let ours = records.filter {
                $0.direction == direction && ([.stanza, .nonza, .streamOpen, .streamError].contains($0.event)
                    || $0.event == .streamClose && !($0.xml ?? "").isEmpty)
            }.count
            #expect(theirs[direction]! >= 10, "\(direction) in \(test)")
            #expect(ours == theirs[direction], "\(direction) in \(test)")
        }
    }

    @Test("BOSH: our http requests are tshark's POSTs, our responses answer each", arguments: boshCases)
    func boshRequests(test: Case) throws {
        try #require(toolAvailable("tshark"), "tshark is missing: run scripts/test.sh, which installs it")
        let posts = try Self.tshark(test, filter: "http.request.method == \"POST\"", fields: ["http.request.uri"])
        let records = try Self.replay(test).filter { $0.transport == .bosh && $0.event == .http }
        let requests = records.filter { $0.kind == "request" }
        #expect(posts.count >= 10, "\(test)")
        #expect(requests.count == posts.count, "\(test)")
        #expect(requests.map { $0.http?.target ?? "" } == posts.map { $0[0] }, "\(test)")
        #expect(records.filter { $0.kind == "response" }.count == posts.count, "\(test)")
    }
}
