import XMPPBase
#if canImport(Glibc)
import Glibc
#endif

/// A filter saved as `NAME.filter`: the first comment line describes it, the other lines hold
/// the expression.
public struct NamedFilter: Sendable {
    public var name: String
    public var description: String
    public var expression: String
    public var path: String
}

/// Finds named filters: the project's `filters/`, then `$XMPPSCOPE_HOME/filters` (`XMPPScopeHome`, default
/// `~/.xmppscope/filters`), then a folder given with `--filters`. A later folder's filter of the
/// same name wins.
public enum NamedFilters {
    /// The folders searched, in order.
    public static func directories(extra: String?) -> [String] {
        var folders: [String] = []
        if let project = projectFilters() { folders.append(project) }
        folders.append(XMPPScopeHome.directory + "/filters")
        if let extra { folders.append(extra) }
        return folders
    }

    /// Every named filter found, by name.
    public static func all(extra: String?) -> [NamedFilter] {
        var found: [String: NamedFilter] = [:]
        for folder in directories(extra: extra) {
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
    public static func resolve(_ text: String, extra: String?) throws(FilterError) -> RecordFilter {
        // `@name` alone; `@attr == x` is a path on the stanza itself.
        let isName = text.hasPrefix("@") && text.count > 1
            && text.dropFirst().allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        guard isName else { return try RecordFilter(text) }
        let name = String(text.dropFirst())
        guard let named = all(extra: extra).first(where: { $0.name == name }) else {
            let known = all(extra: extra).map(\.name).joined(separator: ", ")
            throw FilterError(message: "no named filter '\(name)' (known: \(known.isEmpty ? "none" : known); 'xmppscope filters' lists them)",
                              column: 1, expression: text)
        }
        do {
            return try RecordFilter(named.expression)
        } catch {
            var error = error
            error.message = "in \(named.path): " + error.message
            throw error
        }
    }

    static func load(_ path: String) -> NamedFilter? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var text = ""
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), file) != nil {
            text += String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        var description = ""
        var expression: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = String(line).trimmingCharacters(in: " \t\r")
            if trimmed.hasPrefix("#") {
                if description.isEmpty { description = String(trimmed.dropFirst()).trimmingCharacters(in: " \t") }
            } else if !trimmed.isEmpty {
                expression.append(trimmed)
            }
        }
        let fileName = path.split(separator: "/").last.map(String.init) ?? path
        return NamedFilter(name: String(fileName.dropLast(".filter".count)), description: description,
                           expression: expression.joined(separator: " "), path: path)
    }

    /// `filters/` beside the Package.swift above the running executable, or in the current folder.
    static func projectFilters() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        var candidates: [String] = []
        if count > 0 {
            var folder = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            for _ in 0..<6 {
                guard let slash = folder.lastIndex(of: "/") else { break }
                folder = String(folder[..<slash])
                candidates.append(folder)
            }
        }
        if getcwd(&buffer, buffer.count) != nil {
            candidates.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        for folder in candidates where access(folder + "/Package.swift", F_OK) == 0 && access(folder + "/filters", F_OK) == 0 {
            return folder + "/filters"
        }
        return nil
    }
}
