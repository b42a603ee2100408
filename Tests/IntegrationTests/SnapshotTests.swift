import Foundation
import Testing

/// What a person sees, compared with committed snapshots (Tests/IntegrationTests/Snapshots):
/// `--help` of the root command, `proxy` and `replay` at 80 and 120 columns (argument-parser
/// wraps at $COLUMNS), the default pretty output of captures/c2s-plain.pcap and the `--summary` of
/// captures/c2s-misbehaving.pcap, byte for byte.
/// The built `xmppscope` beside the test bundle is run, as a user runs it.
///
/// After an intended change to a help text or the pretty output, write the snapshots again and
/// review the diff before committing:
///
///     XMPPSCOPE_UPDATE_SNAPSHOTS=1 swift test --filter SnapshotTests
@Suite("Snapshots of --help and the pretty output")
struct SnapshotTests {
    private static let snapshots = repositoryRoot.appendingPathComponent("Tests/IntegrationTests/Snapshots")
    private static let updating = ProcessInfo.processInfo.environment["XMPPSCOPE_UPDATE_SNAPSHOTS"] == "1"

    /// The `xmppscope` built with the tests (the same folder as the test bundle).
    private static var binary: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("xmppscope").path
    }

    /// Runs the built binary with COLUMNS set; its standard output.
    private static func xmppscope(_ arguments: [String], columns: Int) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["60", binary] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["COLUMNS"] = String(columns)
        environment["NO_COLOR"] = "1"
        process.environment = environment
        process.currentDirectoryURL = repositoryRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ToolError.failed("xmppscope \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Compares `text` with the snapshot `name` (or writes it when updating); true when equal.
    private static func matches(_ text: String, snapshot name: String) throws -> Bool {
        let url = snapshots.appendingPathComponent(name)
        if updating {
            try FileManager.default.createDirectory(at: snapshots, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
            return true
        }
        let expected = try Data(contentsOf: url)
        return expected == Data(text.utf8)
    }

    /// Lines of the overview and discussion (before `USAGE:`) that show a break the wrapping did
    /// not make: a line the next line's first word would have fitted on (a hard break inside a
    /// paragraph), or an unindented line right after an indented one (an example too long for
    /// the width, wrapped to the left margin).
    static func raggedLines(_ text: String, columns: Int) -> [String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            .prefix { !$0.hasPrefix("USAGE:") }.map(String.init)
        var ragged: [String] = []
        for (line, next) in zip(lines, lines.dropFirst()) where !line.isEmpty && !next.isEmpty && !next.hasPrefix(" ") {
            if line.hasPrefix(" ") {
                ragged.append(line + "⏎" + next)
            } else if let word = next.split(separator: " ").first,
                      line.unicodeScalars.count + 1 + word.unicodeScalars.count < columns {
                ragged.append(line + "⏎" + next)
            }
        }
        return ragged
    }

    static let helpCases: [(command: [String], name: String)] = [([], "root"), (["proxy"], "proxy"), (["replay"], "replay")]

    @Test("--help fits the width and matches its snapshot", arguments: [80, 120])
    func help(columns: Int) throws {
        var compared = 0
        for (command, name) in Self.helpCases {
            let text = try Self.xmppscope(command + ["--help"], columns: columns)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count > 20, "\(name): \(lines.count) lines of help")
            let long = lines.filter { $0.unicodeScalars.count > columns }
            #expect(long.isEmpty, "\(name) at \(columns) columns: lines wider than that:\n\(long.joined(separator: "\n"))")
            let ragged = Self.raggedLines(text, columns: columns)
            #expect(ragged.isEmpty, "\(name) at \(columns) columns: ragged lines:\n\(ragged.joined(separator: "\n"))")
            let snapshot = "help-\(name)-\(columns).txt"
            #expect(try Self.matches(text, snapshot: snapshot),
                    "xmppscope \(command.joined(separator: " ")) --help differs from Snapshots/\(snapshot) (see the doc comment to update it)")
            compared += 1
        }
        #expect(compared == Self.helpCases.count)
    }

    /// The subcommands a help text lists (the first word of each entry under SUBCOMMANDS:).
    private static func subcommands(in help: String) -> [String] {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: "SUBCOMMANDS:") else { return [] }
        return lines[(start + 1)...].prefix { !$0.isEmpty }
            .filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    @Test("every command's --help (subcommands too): no line wider than the width, nothing ragged", arguments: [80, 120])
    func everyCommand(columns: Int) throws {
        let root = try Self.xmppscope(["--help"], columns: columns)
        var commands = Self.subcommands(in: root).map { [$0] }
        #expect(commands.count >= 9, "\(commands)")
        for command in commands {
            let nested = Self.subcommands(in: try Self.xmppscope(command + ["--help"], columns: columns))
            commands += nested.map { command + [$0] }
        }
        #expect(commands.contains(["ca", "export"]))
        var checked = 0
        for command in commands {
            let text = try Self.xmppscope(command + ["--help"], columns: columns)
            let name = command.joined(separator: " ")
            let long = text.split(separator: "\n").filter { $0.unicodeScalars.count > columns }
            #expect(long.isEmpty, "\(name) at \(columns) columns: lines wider than that:\n\(long.joined(separator: "\n"))")
            let ragged = Self.raggedLines(text, columns: columns)
            #expect(ragged.isEmpty, "\(name) at \(columns) columns: ragged lines:\n\(ragged.joined(separator: "\n"))")
            checked += 1
        }
        #expect(checked == commands.count)
    }

    @Test("the pretty output of captures/c2s-plain.pcap (--no-color, default options) matches its snapshot byte for byte")
    func prettyOutput() throws {
        let text = try Self.xmppscope(["replay", "--no-color", "captures/c2s-plain.pcap"], columns: 80)
        #expect(text.split(separator: "\n").count > 100)
        #expect(try Self.matches(text, snapshot: "replay-c2s-plain.txt"),
                "xmppscope replay --no-color captures/c2s-plain.pcap differs from Snapshots/replay-c2s-plain.txt (see the doc comment to update it)")
    }

    @Test("the --summary of captures/c2s-misbehaving.pcap matches its snapshot: connections, findings, then what was read")
    func summaryOutput() throws {
        let text = try Self.xmppscope(["replay", "--summary", "captures/c2s-misbehaving.pcap"], columns: 80)
        let lines = text.split(separator: "\n")
        #expect(lines.count > 5)
        #expect(lines.last?.contains(" packets, ") == true, "the lines about the input come last")
        #expect(try Self.matches(text, snapshot: "replay-c2s-misbehaving-summary.txt"),
                "xmppscope replay --summary captures/c2s-misbehaving.pcap differs from Snapshots/replay-c2s-misbehaving-summary.txt (see the doc comment to update it)")
    }
}
