/// Strings for the names libxml2 interns in its dictionary: each pointer is converted to a String
/// once and kept in a small direct-mapped table (a hash table costs more than the conversion it
/// saves). The dictionary may go with a parser context, so the table is cleared whenever the
/// framer lets go of one (a context kept for the framer's next document keeps it, and the table).
///
/// The table maps a pointer's slot to an entry number, and only the entries in use hold a
/// pointer and its string: a framer keeps one table for its whole life (two per connection, and
/// a proxy may hold thousands of idle connections), and a stream interns a few dozen names, so
/// 512 slots of two bytes and the entries in use cost far less than 512 strings would.
final class InternedNames {
    /// Slots in the direct-mapped table (a power of two).
    private static let slotCount = 512
    /// Per slot: 1 + the number of its entry in `entries`, or 0 for none.
    private var slots = [UInt16](repeating: 0, count: InternedNames.slotCount)
    /// The names in use; each is referred to by exactly one slot, so there are never more than
    /// `slotCount`.
    private var entries: [(pointer: UnsafePointer<UInt8>, name: String)] = []

    /// The string for an interned name (nil for none).
    func string(_ pointer: UnsafePointer<UInt8>?) -> String? {
        guard let pointer else { return nil }
        let slot = Int(truncatingIfNeeded: UInt(bitPattern: pointer) >> 3) & (Self.slotCount - 1)
        let entry = Int(slots[slot]) - 1
        if entry >= 0 && entries[entry].pointer == pointer { return entries[entry].name }
        let name = String(cString: pointer)
        if entry >= 0 {
            entries[entry] = (pointer, name)  // the slot's previous name gives way, as in any direct-mapped table
        } else {
            entries.append((pointer, name))
            slots[slot] = UInt16(entries.count)
        }
        return name
    }

    /// Forgets every pointer: the dictionary they pointed into is gone, and its addresses may be reused.
    func forgetAll() {
        guard !entries.isEmpty else { return }
        entries.removeAll(keepingCapacity: true)
        for index in slots.indices { slots[index] = 0 }
    }
}
