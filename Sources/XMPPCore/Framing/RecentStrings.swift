#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XMPPBase

/// Strings lately made from attribute bytes, handed out again when the same bytes come back. A
/// connection's stanzas name a handful of addresses over and over: one kept string costs a
/// comparison and a retain, where a new one cost an allocation, a UTF-8 check and a copy (and
/// strings that share storage compare equal at once). Only strings too long to be stored
/// inline (more than 15 bytes) whose bytes are exactly the attribute's (no entity, valid
/// UTF-8) are kept, so a kept string is what the bytes would make; memory stays flat.
public struct RecentStrings: Sendable {
    private var kept = RecentlyKept<String>(capacity: 4)

    public init() {}

    /// The string for `bytes`: a kept one with these bytes, or `make()`'s, kept when it qualifies.
    mutating func string(_ bytes: UnsafeBufferPointer<UInt8>, make: (UnsafeBufferPointer<UInt8>) -> String) -> String {
        guard bytes.count > 15, let base = bytes.baseAddress else { return make(bytes) }
        for string in kept.values where Self.string(string, is: base, count: bytes.count) { return string }
        let string = make(bytes)
        if Self.string(string, is: base, count: bytes.count) { kept.keep(string) }
        return string
    }

    /// Whether `string`'s UTF-8 is the `count` bytes at `bytes`.
    private static func string(_ string: String, is bytes: UnsafePointer<UInt8>, count: Int) -> Bool {
        guard string.utf8.count == count else { return false }
        return string.utf8.withContiguousStorageIfAvailable { memcmp($0.baseAddress!, bytes, count) == 0 } ?? false
    }
}
