import Foundation
import Testing
import XMPPCore

/// The project's seed notes (../shared/seed/) hold example stanzas, several malformed: curly
/// quotes instead of ASCII ones, `cmlns=` for `xmlns=`. Each must get an error that points at
/// the fault, and what is well-formed must still decode.
@Suite("Seed examples")
struct SeedExamplesTests {
    static let seedDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/seed")

    /// The fenced code blocks of every seed file that hold XML.
    static func xmlBlocks() throws -> [String] {
        let files = try FileManager.default.contentsOfDirectory(at: seedDirectory, includingPropertiesForKeys: nil)
        var blocks: [String] = []
        for file in files.sorted(by: { $0.path < $1.path }) {
            let text = try String(contentsOf: file, encoding: .utf8)
            let parts = text.components(separatedBy: "```")
            for (index, part) in parts.enumerated() where index % 2 == 1 {
                var body = part
                if let newline = body.firstIndex(of: "\n") { body = String(body[body.index(after: newline)...]) }
                if body.contains("<") && !body.contains("require(") { blocks.append(body) }
            }
        }
        return blocks
    }

    static let curlyQuotes: Set<Character> = ["’", "‘", "′", "“", "”"]

    @Test("every malformed example gets an error pointing at the bad quote")
    func curlyQuotesReported() throws {
        let blocks = try Self.xmlBlocks()
        #expect(blocks.count >= 5)
        var checked = 0
        for block in blocks where block.contains(where: Self.curlyQuotes.contains) {
            let events = frame(block)
            let fatal = events.errors.filter { !$0.isRecoverable }
            #expect(!fatal.isEmpty, "no error for:\n\(block)")
            guard let first = fatal.first else { continue }
            // The column is in bytes; find the byte it names on that line.
            let line = block.split(separator: "\n", omittingEmptySubsequences: false)[first.position.line - 1]
            let bytes = Array(line.utf8)
            #expect(first.position.column >= 1 && first.position.column <= bytes.count)
            let prefix = String(decoding: bytes[..<(first.position.column - 1)], as: UTF8.self)
            let at = String(decoding: bytes[(first.position.column - 1)...], as: UTF8.self).first
            // libxml2 stops where a quote was expected: at the curly quote, or right after '=' when none was written.
            #expect(at.map(Self.curlyQuotes.contains) == true || prefix.hasSuffix("="),
                    "error at \(first.position) is not at a bad quote: \(line)")
            checked += 1
        }
        #expect(checked >= 4)
    }

    @Test("with ASCII quotes the examples decode, and cmlns= is flagged")
    func repairedExamples() throws {
        let blocks = try Self.xmlBlocks()
        var flagged = 0
        for block in blocks where block.contains("cmlns") {
            var repaired = block
            for quote in Self.curlyQuotes { repaired = repaired.replacingOccurrences(of: String(quote), with: "'") }
            repaired = repaired.replacingOccurrences(of: "from=a@", with: "from='a@")
            let events = frame(repaired)
            #expect(events.errors.filter { !$0.isRecoverable }.isEmpty, "\(events.errors)")
            let misspelt = events.errors.filter { if case .misspeltNamespaceDeclaration = $0.kind { return true } else { return false } }
            #expect(misspelt.count == 1)
            #expect(misspelt.first?.message.contains("'cmlns'") == true)
            #expect(events.elements.count == 2)
            flagged += misspelt.count
        }
        #expect(flagged == 2)
    }
}
