/// Writes into room reserved ahead, each write checked against its end: the JSON Lines writer
/// encodes a record this way and then appends it whole, where appending each of its few dozen
/// pieces to an array cost about 90 instructions a piece. Once a write does not fit, the cursor
/// is ``overflowed``, writes nothing more, and goes on counting: ``count`` is then the room the
/// whole encoding needs, so the caller tries once more with that much.
struct JSONByteCursor: JSONByteSink {
    private let base: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    /// How many bytes were written, or, once overflowed, would have been.
    private(set) var count = 0
    /// Whether a write did not fit (what was written is then incomplete).
    var overflowed: Bool { count > capacity }

    /// Writes from the start of `room`, which must not be empty.
    init(_ room: UnsafeMutableBufferPointer<UInt8>) {
        base = room.baseAddress!
        capacity = room.count
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        if count < capacity { base[count] = byte }
        count += 1
    }

    @inline(__always)
    mutating func append(bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        if bytes.count <= capacity - count { (base + count).update(from: source, count: bytes.count) }
        count += bytes.count
    }
}
