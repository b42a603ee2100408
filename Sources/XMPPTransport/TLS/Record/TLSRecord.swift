/// One TLS record as it was on the wire: its 5-byte header and its body.
struct TLSRecord: Sendable {
    /// The content type byte (``TLSContentType`` when known).
    var contentType: UInt8
    /// The record layer version (0x0303 for TLS 1.2 and, frozen, TLS 1.3).
    var legacyVersion: UInt16
    /// The header as on the wire: type, version, length (the AEAD additional data of TLS 1.3).
    var header: [UInt8]
    var fragment: [UInt8]
    /// Where the record begins in its direction's TLS byte stream.
    var offset: Int

    var type: TLSContentType? { TLSContentType(rawValue: contentType) }
}
