import Foundation
import XMPPCapture
import XMPPCore
import XMPPInspect
import XMPPBase

/// The repository's root, from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Replays a file through the whole pipeline and returns every record.
func replayRecords(_ path: String, options: InspectorOptions = InspectorOptions(), keyLogs: [String] = []) throws -> [Record] {
    var records: [Record] = []
    let keyLog = keyLogs.isEmpty ? nil : try KeyLogFiles(paths: keyLogs, mayGrow: false) { _ in }
    let inspector = Inspector(options: options, keyLog: keyLog) { records.append($0) }
    _ = try Replayer.replay(path: path, into: inspector)
    return records
}

/// Feeds raw stream text (one direction per call; nil for an undirected console dump) and returns the records.
func inspectText(_ parts: [(Direction?, String)], options: InspectorOptions = InspectorOptions()) -> [Record] {
    var records: [Record] = []
    let inspector = Inspector(options: options) { records.append($0) }
    var time = Timestamp(seconds: 1_700_000_000, microseconds: 0)
    for (direction, text) in parts {
        time.microseconds += 2500
        Array(text.utf8).withUnsafeBytes { inspector.feedRaw($0, direction: direction, at: time) }
    }
    inspector.finishRaw(at: time)
    return records
}

extension Array where Element == Record {
    var stanzas: [Record] { filter { $0.event == .stanza && !$0.unanswered } }
}
