import Foundation
import Testing

/// `xmppscope check` as a user runs it (the built binary beside the test bundle): several inputs
/// in one run, each reported whole and in order, a broken one said where it belongs, the key
/// log reaching every input, and the exit status.
@Suite("check: several inputs, a key log, broken inputs")
struct CheckCommandTests {
    private static var binary: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("xmppscope").path
    }

    private static func capture(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("captures/\(name)").path
    }

    /// Runs `xmppscope check` with standard output and standard error into one pipe (so their
    /// order is the order they were written in); the text and the exit status.
    private static func check(_ arguments: [String]) throws -> (text: String, status: Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["60", binary, "check", "--no-color"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: data, as: UTF8.self), process.terminationStatus)
    }

    /// A copy of `source` cut after `count` bytes, in a temporary file.
    private static func cut(_ source: String, after count: Int) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("xmppscope-cut-\(UUID().uuidString).pcap").path
        let bytes = try Data(contentsOf: URL(fileURLWithPath: source))
        try bytes.prefix(count).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("several inputs: each alone says what it says in one run, in order; a cut capture's error comes before its findings; exit 2")
    func severalInputs() throws {
        let misbehaving = Self.capture("c2s-misbehaving.pcap")
        let plain = Self.capture("c2s-plain.pcap")
        let cut = try Self.cut(plain, after: 3000)
        defer { try? FileManager.default.removeItem(atPath: cut) }
        let missing = "/nonexistent/xmppscope-check.pcap"

        let alone = try Self.check([misbehaving])
        #expect(alone.status == 1)
        #expect(alone.text.contains("error"))
        let aloneFindings = alone.text.split(separator: "\n").filter { $0.hasPrefix("  ") }
        #expect(aloneFindings.count >= 20, "the misbehaving client's findings")

        let all = try Self.check([misbehaving, cut, missing, plain])
        #expect(all.status == 2)
        let lines = all.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func index(_ predicate: (String) -> Bool) -> Int? { lines.firstIndex(where: predicate) }
        let titles = [misbehaving, cut, missing, plain].map { title in index { $0 == title } }
        #expect(titles.allSatisfy { $0 != nil }, "every input named: \(titles)")
        let order = titles.compactMap { $0 }
        #expect(order == order.sorted(), "in the order given: \(order)")
        // The misbehaving capture's findings, as alone, under its title and before the next.
        if order.count == 4 {
            let section = lines[order[0]..<order[1]].filter { $0.hasPrefix("  ") }
            #expect(section.count == aloneFindings.count)
            #expect(section == aloneFindings.map(String.init))
        }
        // The cut capture: its error is said before its report (a single-threaded check said it there).
        let cutError = index { $0.hasPrefix("error: \(cut): ") }
        #expect(cutError != nil && titles[1] != nil && cutError! < titles[1]!, "\(all.text)")
        #expect(index { $0.hasPrefix("error: \(missing): ") } != nil)
    }

    @Test("a key log reaches the inputs after the first: the same findings as each alone with it, more than without it")
    func keyLogForEveryInput() throws {
        let wss = Self.capture("web-wss.pcap")
        let keys = Self.capture("web-wss.keys")
        let with = try Self.check([wss, "--keylog", keys, "--json"])
        let without = try Self.check([wss, "--json"])
        #expect(with.status == 0 && without.status == 0)
        let withLines = with.text.split(separator: "\n")
        #expect(withLines.count > without.text.split(separator: "\n").count, "decrypted, the capture has more findings")
        let twice = try Self.check([wss, wss, "--keylog", keys, "--json"])
        #expect(twice.status == 0)
        #expect(twice.text.split(separator: "\n") == withLines + withLines)
    }
}
