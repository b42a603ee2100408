/// One handshake message, reassembled from however many records carried it.
struct TLSHandshakeMessage: Sendable {
    /// The type byte (``TLSHandshakeType`` when known).
    var typeByte: UInt8
    /// The body, without the 4-byte header.
    var body: [UInt8]
    /// The whole message, header included (what transcripts and `tls-unique` are made of).
    var raw: [UInt8]

    var type: TLSHandshakeType? { TLSHandshakeType(rawValue: typeByte) }
}
