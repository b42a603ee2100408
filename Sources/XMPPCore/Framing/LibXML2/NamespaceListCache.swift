#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The namespace lists of a framer's recent top-level elements, by the interned pointers of their
/// namespaces: a stream repeats a few kinds of stanza, and an element whose namespaces are those
/// of one before it shares that element's array instead of building (and later freeing) its own.
///
/// A direct-mapped table of ``slotCount`` slots, indexed by a hash of the pointers: a client's
/// stream has a few dozen kinds of stanza (presence with caps, messages with chat states,
/// receipts and ids, disco, roster), more than a short list searched in order keeps. Its memory
/// stays flat however long the stream.
///
/// The pointers are libxml2 dictionary entries, so the cache is emptied whenever the dictionary
/// may go (``forgetAll()``, with ``InternedNames/forgetAll()``).
struct NamespaceListCache {
    /// Slots in the table (a power of two).
    static let slotCount = 64
    /// Each slot's pointers, and its list, at the same index; an empty slot has no pointers and
    /// an empty list, which is right for an element in no namespace.
    private var identities: [[UnsafeRawPointer?]] = Array(repeating: [], count: slotCount)
    private var lists: [[String]] = Array(repeating: [], count: slotCount)

    /// The namespaces for `identities` (interned namespace pointers in first-seen order; nil for
    /// no namespace, which has no name in the list).
    mutating func namespaces(for wanted: [UnsafeRawPointer?], names: InternedNames) -> [String] {
        let slot = Self.slot(of: wanted)
        if Self.same(identities[slot], wanted) { return lists[slot] }
        var namespaces: [String] = []
        namespaces.reserveCapacity(wanted.count)
        for identity in wanted {
            if let name = names.string(identity?.assumingMemoryBound(to: UInt8.self)) { namespaces.append(name) }
        }
        identities[slot] = wanted
        lists[slot] = namespaces
        return namespaces
    }

    /// Forgets every list: the pointers they are keyed by may be reused.
    mutating func forgetAll() {
        for slot in 0..<Self.slotCount {
            identities[slot] = []
            lists[slot] = []
        }
    }

    /// Where `pointers` go: the top bits of a multiplicative hash of them.
    private static func slot(of pointers: [UnsafeRawPointer?]) -> Int {
        var hash: UInt = 0
        for pointer in pointers {
            hash = (hash ^ UInt(bitPattern: pointer)) &* 0x9E37_79B9_7F4A_7C15
        }
        return Int(truncatingIfNeeded: hash >> (UInt.bitWidth - 6)) & (slotCount - 1)
    }

    /// Whether two lists hold the same pointers in the same order: one compare of their bytes.
    private static func same(_ kept: [UnsafeRawPointer?], _ wanted: [UnsafeRawPointer?]) -> Bool {
        guard kept.count == wanted.count else { return false }
        guard !kept.isEmpty else { return true }
        return kept.withUnsafeBytes { left in
            wanted.withUnsafeBytes { right in memcmp(left.baseAddress!, right.baseAddress!, left.count) == 0 }
        }
    }
}
