/// Writes into room reserved ahead, each write checked against its end: the JSON Lines writer
/// encodes a record this way and then appends it whole, where appending each of its few dozen
/// pieces to an array cost about 90 instructions a piece. A write that does not fit marks the
/// cursor ``overflowed`` and writes nothing; the caller tries again with more room.
struct JSONByteCursor: JSONByteSink {
    private let base: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    /// How many bytes were written.
    private(set) var count = 0
    /// Whether a write did not fit (what was written is then incomplete).
    private(set) var overflowed = false

    /// Writes from the start of `room`, which must not be empty.
    init(_ room: UnsafeMutableBufferPointer<UInt8>) {
        base = room.baseAddress!
        capacity = room.count
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        guard count < capacity else {
            overflowed = true
            return
        }
        base[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        guard bytes.count <= capacity - count else {
            overflowed = true
            return
        }
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }
}
