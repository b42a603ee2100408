import Foundation

/// Compiled regular expressions by pattern (built once per filter, read-only afterwards). Not
/// `Sendable`: `Regex` is not, so a filter stays on one thread at a time (the records thread
/// gets it inside the output it is handed).
final class RegexCache {
    private let compiled: [String: Regex<AnyRegexOutput>]

    init(_ patterns: [String]) {
        var compiled: [String: Regex<AnyRegexOutput>] = [:]
        for pattern in patterns { compiled[pattern] = try? Regex(pattern) }
        self.compiled = compiled
    }

    subscript(pattern: String) -> Regex<AnyRegexOutput>? { compiled[pattern] ?? (try? Regex(pattern)) }
}
