import XMPPBase

/// The namespace lists of a framer's recent top-level elements, by the interned pointers of their
/// namespaces: a stream repeats a few kinds of stanza, and an element whose namespaces are those
/// of one before it shares that element's array instead of building (and later freeing) its own.
///
/// The pointers are libxml2 dictionary entries, so the cache is emptied whenever the dictionary
/// may go (``forgetAll()``, with ``InternedNames/forgetAll()``).
struct NamespaceListCache {
    /// Lists kept (a linear search over a few beats hashing the pointers).
    private var entries = RecentlyKept<(identities: [UnsafeRawPointer?], namespaces: [String])>(capacity: 8)

    /// The namespaces for `identities` (interned namespace pointers in first-seen order; nil for
    /// no namespace, which has no name in the list).
    mutating func namespaces(for identities: [UnsafeRawPointer?], names: InternedNames) -> [String] {
        for entry in entries.values where entry.identities == identities { return entry.namespaces }
        var namespaces: [String] = []
        namespaces.reserveCapacity(identities.count)
        for identity in identities {
            if let name = names.string(identity?.assumingMemoryBound(to: UInt8.self)) { namespaces.append(name) }
        }
        entries.keep((identities: identities, namespaces: namespaces))
        return namespaces
    }

    /// Forgets every list: the pointers they are keyed by may be reused.
    mutating func forgetAll() {
        entries.removeAll()
    }
}
