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
        let length = bytes.count
        if length <= capacity - count { Self.copy(from: UnsafeRawPointer(source), to: UnsafeMutableRawPointer(base + count), length) }
        count += length
    }

    /// Copies `length` bytes. Most pieces of a record are a few bytes (a key, a short value, a
    /// run between escapes): up to sixteen are moved as two words that may overlap, reading and
    /// writing only those bytes, where a call to `memcpy` cost about twice the instructions.
    @inline(__always)
    private static func copy(from source: UnsafeRawPointer, to target: UnsafeMutableRawPointer, _ length: Int) {
        switch length {
        case 8...16:
            let head = source.loadUnaligned(as: UInt64.self)
            let tail = source.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)
            target.storeBytes(of: head, as: UInt64.self)
            target.storeBytes(of: tail, toByteOffset: length - 8, as: UInt64.self)
        case 4..<8:
            let head = source.loadUnaligned(as: UInt32.self)
            let tail = source.loadUnaligned(fromByteOffset: length - 4, as: UInt32.self)
            target.storeBytes(of: head, as: UInt32.self)
            target.storeBytes(of: tail, toByteOffset: length - 4, as: UInt32.self)
        case 1..<4:
            // The first, the middle and the last byte: all of one, two or three.
            let first = source.load(as: UInt8.self)
            let middle = source.load(fromByteOffset: length >> 1, as: UInt8.self)
            let last = source.load(fromByteOffset: length - 1, as: UInt8.self)
            target.storeBytes(of: first, as: UInt8.self)
            target.storeBytes(of: middle, toByteOffset: length >> 1, as: UInt8.self)
            target.storeBytes(of: last, toByteOffset: length - 1, as: UInt8.self)
        default:
            target.copyMemory(from: source, byteCount: length)
        }
    }
}
