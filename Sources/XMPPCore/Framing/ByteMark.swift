/// One of 64 bits for a short byte string (an id, an element name), from its length and its first
/// and last bytes: equal strings get equal marks, and no pass over the string is needed. A set of
/// strings ORs their marks: a clear bit says none of them can be the string. Nil for a string that
/// is not ASCII, which Swift's `String` may find equal to another spelling (canonical
/// equivalence) with other bytes: its callers treat it as matching every mark.
public enum ByteMark {
    /// The mark of `bytes`, or nil when they are not all ASCII.
    public static func of(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard !bytes.contains(where: { $0 >= 0x80 }) else { return nil }
        return of(ascii: bytes)
    }

    /// The mark of `bytes`, which the caller knows to be ASCII.
    public static func of(ascii bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let first = bytes.first, let last = bytes.last else { return 1 }
        let mixed = (UInt64(first) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(last) &* 0xC2B2_AE3D_27D4_EB4F)
            ^ (UInt64(truncatingIfNeeded: bytes.count) &* 0x1656_67B1_9E37_79F9)
        return 1 << (mixed >> 58)
    }

    /// The mark of a string's UTF-8 bytes, or nil when it is not ASCII.
    public static func of(_ string: String) -> UInt64? {
        var string = string
        return string.withUTF8 { of($0) }
    }
}
