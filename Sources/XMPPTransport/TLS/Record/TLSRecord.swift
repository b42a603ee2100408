/// One TLS record as it was on the wire: its header's fields and its body. The 5-byte header
/// itself is written out again from them when it is needed (``withHeader(_:)``).
struct TLSRecord: Sendable {
    /// The content type byte (``TLSContentType`` when known).
    let contentType: UInt8
    /// The record layer version (0x0303 for TLS 1.2 and, frozen, TLS 1.3).
    let legacyVersion: UInt16
    /// The body: exactly as many bytes as the header's length field said (at most 2^14 + 2048),
    /// so the header written out again is the one on the wire (TLS 1.3 authenticates it).
    let fragment: [UInt8]
    /// Where the record begins in its direction's TLS byte stream.
    let offset: Int

    var type: TLSContentType? { TLSContentType(rawValue: contentType) }

    /// Calls `body` with the 5-byte header as it was on the wire (type, version, length: the AEAD
    /// additional data of TLS 1.3), written out on the stack: the record keeps no copy of it.
    func withHeader<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let length = fragment.count
        assert(length <= 0xFFFF, "a record body longer than its header can say")
        let header: (UInt8, UInt8, UInt8, UInt8, UInt8) = (
            contentType, UInt8(truncatingIfNeeded: legacyVersion >> 8), UInt8(truncatingIfNeeded: legacyVersion),
            UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)
        )
        return try withUnsafeBytes(of: header) { bytes throws(E) in try body(bytes) }
    }
}
