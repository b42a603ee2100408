import Foundation
import XMPPCore
import XMPPInspect

let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The public captures beside the repository (../shared/captures-public), read in place.
let publicCaptures = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/captures-public")

func publicCapture(_ name: String) -> String { publicCaptures.appendingPathComponent(name).path }

func replayRecords(_ path: String) throws -> [Record] {
    var records: [Record] = []
    let inspector = Inspector { records.append($0) }
    _ = try Replayer.replay(path: path, into: inspector)
    return records
}

extension Array where Element == Record {
    var stanzas: [Record] { filter { $0.event == .stanza && !$0.unanswered } }
    func count(kind: String) -> Int { stanzas.filter { $0.kind == kind }.count }
}

/// Runs a program and returns its standard output; throws when it cannot start or fails.
func run(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw ToolError.failed("\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
    }
    return String(decoding: data, as: UTF8.self)
}

enum ToolError: Error { case failed(String) }

/// Whether a program is on PATH.
func toolAvailable(_ name: String) -> Bool {
    (try? run("sh", ["-c", "command -v \(name)"]))?.isEmpty == false
}
