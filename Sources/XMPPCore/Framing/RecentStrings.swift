#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Strings lately made from attribute bytes, handed out again when the same bytes come back. A
/// connection's stanzas name a handful of addresses over and over (its own full and bare JID,
/// the server, a few contacts and rooms): one kept string costs a comparison and a retain, where
/// a new one cost an allocation, a UTF-8 check and a copy (and strings that share storage
/// compare equal at once). Only strings too long to be stored inline (more than 15 bytes) whose
/// bytes are exactly the attribute's (no entity, valid UTF-8) are kept, so a kept string is what
/// the bytes would make.
///
/// A direct-mapped table of ``slotCount`` slots, indexed by a hash of the length and the first
/// and last eight bytes: memory stays flat, and a lookup is one compare however many are kept.
public struct RecentStrings: Sendable {
    /// Slots in the table (a power of two): on the benchmark capture a connection names at most
    /// nine long addresses; four kept in order missed two lookups in five.
    static let slotCount = 16
    /// The kept strings; empty until the first is kept.
    private var slots: [String?] = []

    public init() {}

    /// The string for `bytes`: a kept one with these bytes, or `make()`'s, kept when it qualifies.
    mutating func string(_ bytes: UnsafeBufferPointer<UInt8>, make: (UnsafeBufferPointer<UInt8>) -> String) -> String {
        guard bytes.count > 15, let base = bytes.baseAddress else { return make(bytes) }
        let slot = Self.slot(of: base, count: bytes.count)
        if !slots.isEmpty, let kept = slots[slot], Self.string(kept, is: base, count: bytes.count) { return kept }
        let string = make(bytes)
        if Self.string(string, is: base, count: bytes.count) {
            if slots.isEmpty { slots = Array(repeating: nil, count: Self.slotCount) }
            slots[slot] = string
        }
        return string
    }

    /// Where bytes of this length starting and ending with these eight bytes go (`count` > 15).
    private static func slot(of bytes: UnsafePointer<UInt8>, count: Int) -> Int {
        let raw = UnsafeRawPointer(bytes)
        let first = raw.loadUnaligned(as: UInt64.self), last = raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        var hash = (UInt64(truncatingIfNeeded: count) ^ first) &* 0x9E37_79B9_7F4A_7C15
        hash = (hash ^ last) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: hash >> 60) & (slotCount - 1)
    }

    /// Whether `string`'s UTF-8 is the `count` bytes at `bytes`.
    private static func string(_ string: String, is bytes: UnsafePointer<UInt8>, count: Int) -> Bool {
        guard string.utf8.count == count else { return false }
        return string.utf8.withContiguousStorageIfAvailable { memcmp($0.baseAddress!, bytes, count) == 0 } ?? false
    }
}
