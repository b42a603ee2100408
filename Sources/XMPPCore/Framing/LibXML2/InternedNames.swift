/// Strings for the names libxml2 interns in its dictionary: each pointer is converted to a String
/// once and kept in a small direct-mapped table (a hash table costs more than the conversion it
/// saves). The dictionary goes with a parser context, so the table is cleared with it.
final class InternedNames {
    private var slots = [(pointer: UnsafePointer<UInt8>?, name: String)](repeating: (nil, ""), count: 512)

    /// The string for an interned name (nil for none).
    func string(_ pointer: UnsafePointer<UInt8>?) -> String? {
        guard let pointer else { return nil }
        let slot = Int(truncatingIfNeeded: UInt(bitPattern: pointer) >> 3) & (slots.count - 1)
        if slots[slot].pointer == pointer { return slots[slot].name }
        let name = String(cString: pointer)
        slots[slot] = (pointer, name)
        return name
    }

    /// Forgets every pointer: the dictionary they pointed into is gone, and its addresses may be reused.
    func forgetAll() {
        for index in slots.indices { slots[index].pointer = nil }
    }
}
