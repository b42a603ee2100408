import Foundation
import Testing
@testable import XMPPInspect

@Suite("Built-in named filters")
struct BuiltInFilterTests {
    /// `filters/*.filter` in the repository: name (without `.filter`) and text, in name order.
    func shippedFiles() throws -> [(name: String, text: String)] {
        let folder = repositoryRoot.appendingPathComponent("filters")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".filter") }.sorted()
        return try names.map { file in
            (String(file.dropLast(".filter".count)),
             try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8))
        }
    }

    /// A new empty folder, removed by the caller.
    func scratchFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("xmppscope-filters-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("the compiled-in filters are exactly filters/*.filter (else run scripts/embed-filters.py)")
    func embeddedMatchesFolder() throws {
        let files = try shippedFiles()
        #expect(files.count >= 10, "filters/ holds \(files.count) files")
        #expect(BuiltInFilters.files.map(\.name) == files.map(\.name),
                "names differ between filters/ and BuiltInFilters.swift: run scripts/embed-filters.py")
        var compared = 0
        for (embedded, file) in zip(BuiltInFilters.files, files) where embedded.name == file.name {
            #expect(embedded.text == file.text,
                    "filters/\(file.name).filter differs from its compiled-in copy: run scripts/embed-filters.py")
            compared += 1
        }
        #expect(compared == files.count)
    }

    @Test("with no filter folder at all, every shipped filter is there, built in, and parses")
    func builtInWithoutFolders() throws {
        let home = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: home) }
        let all = NamedFilters.all(extra: nil, home: home.path)
        let files = try shippedFiles()
        #expect(all.map(\.name) == files.map(\.name))
        #expect(all.filter { $0.origin == .builtIn }.count == files.count)
        for filter in all {
            #expect(!filter.description.isEmpty, "@\(filter.name) has no description")
            #expect(throws: Never.self) { try RecordFilter(filter.expression) }
        }
        let errors = try NamedFilters.resolve("@errors", extra: nil, home: home.path)
        #expect(errors.source == "error")
    }

    @Test("$XMPPSCOPE_HOME/filters adds and overrides; --filters overrides both")
    func laterSourceWins() throws {
        let home = try scratchFolder()
        let extra = try scratchFolder()
        defer {
            try? FileManager.default.removeItem(at: home)
            try? FileManager.default.removeItem(at: extra)
        }
        let homeFilters = home.appendingPathComponent("filters")
        try FileManager.default.createDirectory(at: homeFilters, withIntermediateDirectories: true)
        try "# stanza errors only\niq and type == error\n".write(to: homeFilters.appendingPathComponent("errors.filter"), atomically: true, encoding: .utf8)
        try "# mine\nmessage\n".write(to: homeFilters.appendingPathComponent("mine.filter"), atomically: true, encoding: .utf8)
        try "# presence errors\npresence and\n  type == error\n".write(to: extra.appendingPathComponent("errors.filter"), atomically: true, encoding: .utf8)
        let builtInCount = BuiltInFilters.files.count

        let fromHome = NamedFilters.all(extra: nil, home: home.path)
        #expect(fromHome.count == builtInCount + 1)
        let homeErrors = try #require(fromHome.first { $0.name == "errors" })
        #expect(homeErrors.origin == .file(path: homeFilters.path + "/errors.filter"))
        #expect(homeErrors.expression == "iq and type == error")
        #expect(fromHome.first { $0.name == "mine" }?.origin == .file(path: homeFilters.path + "/mine.filter"))
        #expect(fromHome.filter { $0.origin == .builtIn }.count == builtInCount - 1)

        let withExtra = NamedFilters.all(extra: extra.path, home: home.path)
        #expect(withExtra.count == builtInCount + 1)
        let extraErrors = try #require(withExtra.first { $0.name == "errors" })
        #expect(extraErrors.origin == .file(path: extra.path + "/errors.filter"))
        #expect(try NamedFilters.resolve("@errors", extra: extra.path, home: home.path).source == "presence and type == error")
        #expect(NamedFilters.directories(extra: extra.path, home: home.path) == [homeFilters.path, extra.path])
    }

    @Test("a broken filter file names its path; an unknown name lists the known ones")
    func errorsSayWhere() throws {
        let home = try scratchFolder()
        defer { try? FileManager.default.removeItem(at: home) }
        try FileManager.default.createDirectory(at: home.appendingPathComponent("filters"), withIntermediateDirectories: true)
        let path = home.appendingPathComponent("filters/broken.filter").path
        try "# broken\niq and (\n".write(toFile: path, atomically: true, encoding: .utf8)
        let broken = #expect(throws: FilterError.self) { try NamedFilters.resolve("@broken", extra: nil, home: home.path) }
        #expect(broken?.message.hasPrefix("in \(path): ") == true, "message: \(broken?.message ?? "none")")
        let unknown = #expect(throws: FilterError.self) { try NamedFilters.resolve("@nope", extra: nil, home: home.path) }
        #expect(unknown?.message.contains("known: broken, chat-messages, disco,") == true, "message: \(unknown?.message ?? "none")")
    }
}
