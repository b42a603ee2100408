import XMPPBase

/// A stanza's namespaces without its own (the first): what its record lists. A connection's
/// framers hand out the same namespace list again for stanzas alike, so recent tails are kept,
/// keyed by the list they were made from, rather than built (an array of strings) for every
/// stanza: a direct-mapped table of ``slotCount`` slots, indexed by the list's identity, whose
/// memory stays flat.
struct NamespaceTails {
    /// Slots in the table (a power of two): a connection's two framers hand out a few dozen lists.
    static let slotCount = 64
    /// Each slot's list, its identity and its tail, at the same index (the list keeps its
    /// identity from being reused by another array while the slot holds it).
    private var lists: [[String]] = Array(repeating: [], count: slotCount)
    private var identities: [UnsafePointer<String>?] = Array(repeating: nil, count: slotCount)
    private var tails: [[String]] = Array(repeating: [], count: slotCount)

    /// `list` without its first namespace.
    mutating func tail(of list: [String]) -> [String] {
        guard let identity = Self.identity(of: list) else { return [] }
        let hash = UInt(bitPattern: identity) &* 0x9E37_79B9_7F4A_7C15
        let slot = Int(truncatingIfNeeded: hash >> (UInt.bitWidth - 6)) & (Self.slotCount - 1)
        if identities[slot] == identity { return tails[slot] }
        let tail = Array(list.dropFirst())
        lists[slot] = list
        identities[slot] = identity
        tails[slot] = tail
        return tail
    }

    /// Where a list's strings are: the same for the same array (kept alive by `lists`, so an
    /// address is not reused while a slot holds it). Comparing contents cost more than it saved.
    private static func identity(of list: [String]) -> UnsafePointer<String>? {
        list.withUnsafeBufferPointer { $0.baseAddress }
    }
}
