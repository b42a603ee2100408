/// Where the JSON Lines writer puts bytes: an array, or a ``JSONByteCursor`` over room reserved
/// ahead (the writer's own records).
protocol JSONByteSink {
    /// Appends one byte.
    mutating func append(_ byte: UInt8)
    /// Appends the bytes `bytes` points at (read during the call only).
    mutating func append(bytes: UnsafeBufferPointer<UInt8>)
}

extension JSONByteSink {
    /// An array's bytes, read in place (no retain of the array).
    @inline(__always)
    mutating func append(bytes array: [UInt8]) {
        array.withUnsafeBufferPointer { append(bytes: $0) }
    }

    /// A literal's UTF-8 bytes.
    @inline(__always)
    mutating func append(literal: StaticString) {
        append(bytes: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// A string's UTF-8 bytes, unescaped (for names the log defines, such as an event's).
    mutating func append(utf8 text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ append(bytes: $0) }) != nil { return }
        var copy = text
        copy.withUTF8 { append(bytes: $0) }
    }
}

/// An array of bytes is a sink: `append(bytes:)` is its `append(contentsOf:)`.
extension Array: JSONByteSink where Element == UInt8 {
    @inline(__always)
    mutating func append(bytes: UnsafeBufferPointer<UInt8>) {
        append(contentsOf: bytes)
    }
}
