/// Reads the big-endian integers and length-prefixed vectors of TLS messages, never past the
/// end: every read returns nil when the bytes run out, so a short message cannot crash a parser.
struct TLSByteCursor {
    private let bytes: ArraySlice<UInt8>
    private(set) var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    init(_ bytes: [UInt8]) { self.init(bytes[...]) }

    var isAtEnd: Bool { index >= bytes.endIndex }
    var remaining: Int { bytes.endIndex - index }

    mutating func uint8() -> UInt8? {
        guard index < bytes.endIndex else { return nil }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func uint16() -> UInt16? {
        guard remaining >= 2 else { return nil }
        defer { index += 2 }
        return UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
    }

    mutating func uint24() -> Int? {
        guard remaining >= 3 else { return nil }
        defer { index += 3 }
        return Int(bytes[index]) << 16 | Int(bytes[index + 1]) << 8 | Int(bytes[index + 2])
    }

    mutating func bytes(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, remaining >= count else { return nil }
        defer { index += count }
        return bytes[index..<(index + count)]
    }

    /// A vector with a 1-, 2- or 3-byte length prefix.
    mutating func vector(lengthBytes: Int) -> ArraySlice<UInt8>? {
        let length: Int?
        switch lengthBytes {
        case 1: length = uint8().map(Int.init)
        case 2: length = uint16().map(Int.init)
        default: length = uint24()
        }
        guard let length else { return nil }
        return bytes(length)
    }
}
