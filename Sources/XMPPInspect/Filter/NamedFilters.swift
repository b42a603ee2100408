import XMPPBase
#if canImport(Glibc)
import Glibc
#endif

/// Finds named filters: the built-in ones (the project's `filters/`, compiled in by
/// scripts/embed-filters.py), then `$XMPPSCOPE_HOME/filters` (`XMPPScopeHome`, default
/// `~/.xmppscope/filters`), then a folder given with `--filters`. A later source's filter of the
/// same name wins.
public enum NamedFilters {
    /// The folders searched after the built-in filters, in order. `home` is the xmppscope folder
    /// (nil: `XMPPScopeHome.directory`).
    public static func directories(extra: String?, home: String? = nil) -> [String] {
        var folders = [(home ?? XMPPScopeHome.directory) + "/filters"]
        if let extra { folders.append(extra) }
        return folders
    }

    /// The filters compiled into the binary, in name order.
    public static var builtIn: [NamedFilter] {
        BuiltInFilters.files.map { NamedFilter(name: $0.name, text: $0.text, origin: .builtIn) }
    }

    /// Every named filter found, by name.
    public static func all(extra: String?, home: String? = nil) -> [NamedFilter] {
        var found: [String: NamedFilter] = [:]
        for filter in builtIn { found[filter.name] = filter }
        for folder in directories(extra: extra, home: home) {
            guard let directory = opendir(folder) else { continue }
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                guard name.hasSuffix(".filter"), let filter = load(folder + "/" + name) else { continue }
                found[filter.name] = filter
            }
        }
        return found.values.sorted { $0.name < $1.name }
    }

    /// A filter from `text`: `@name` for a named one, else the expression itself.
    public static func resolve(_ text: String, extra: String?, home: String? = nil) throws(FilterError) -> RecordFilter {
        // `@name` alone; `@attr == x` is a path on the stanza itself.
        let isName = text.hasPrefix("@") && text.count > 1
            && text.dropFirst().allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        guard isName else { return try RecordFilter(text) }
        let name = String(text.dropFirst())
        let all = all(extra: extra, home: home)
        guard let named = all.first(where: { $0.name == name }) else {
            let known = all.map(\.name).joined(separator: ", ")
            throw FilterError(message: "no named filter '\(name)' (known: \(known.isEmpty ? "none" : known); 'xmppscope filters' lists them)",
                              column: 1, expression: text)
        }
        do {
            return try RecordFilter(named.expression)
        } catch {
            var error = error
            error.message = "in \(named.origin == .builtIn ? "built-in @\(name)" : named.origin.description): " + error.message
            throw error
        }
    }

    /// The filter in the file at `path` (named after the file), or nil when it cannot be read.
    static func load(_ path: String) -> NamedFilter? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var text = ""
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), file) != nil {
            text += String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        let fileName = path.split(separator: "/").last.map(String.init) ?? path
        return NamedFilter(name: String(fileName.dropLast(".filter".count)), text: text, origin: .file(path: path))
    }
}
