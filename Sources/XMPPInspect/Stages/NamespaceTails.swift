import XMPPBase

/// A stanza's namespaces without its own (the first): what its record lists. A connection's
/// framers hand out the same namespace list again for stanzas alike, so the last few tails are
/// kept, keyed by the list they were made from, rather than built (an array of strings) for
/// every stanza.
struct NamespaceTails {
    /// Lists kept: a linear search over a few, by the array's identity.
    private var entries = RecentlyKept<(list: [String], tail: [String])>(capacity: 16)

    /// `list` without its first namespace.
    mutating func tail(of list: [String]) -> [String] {
        let identity = Self.identity(of: list)
        for entry in entries.values where Self.identity(of: entry.list) == identity { return entry.tail }
        let tail = Array(list.dropFirst())
        entries.keep((list, tail))
        return tail
    }

    /// Where a list's strings are: the same for the same array (kept alive by `entries`, so an
    /// address is not reused while an entry holds it). Comparing contents cost more than it saved.
    private static func identity(of list: [String]) -> UnsafePointer<String>? {
        list.withUnsafeBufferPointer { $0.baseAddress }
    }
}
