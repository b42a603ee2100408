import Foundation

/// Compiled regular expressions by pattern (built once per filter, read-only afterwards).
final class RegexCache: @unchecked Sendable {
    private let compiled: [String: Regex<AnyRegexOutput>]

    init(_ patterns: [String]) {
        var compiled: [String: Regex<AnyRegexOutput>] = [:]
        for pattern in patterns { compiled[pattern] = try? Regex(pattern) }
        self.compiled = compiled
    }

    subscript(pattern: String) -> Regex<AnyRegexOutput>? { compiled[pattern] ?? (try? Regex(pattern)) }
}
