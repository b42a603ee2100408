import CFuzzerDriver

/// The bytes libFuzzer hands a target, read from the front as decisions (chunk sizes, modes,
/// limits) while the rest stays the payload.
///
/// Every read succeeds: past the end it yields zero, so a short input is still a valid one and
/// the fuzzer never wastes runs on inputs a target rejects outright.
public struct FuzzInput {
    /// All the bytes.
    public let bytes: [UInt8]
    /// How many bytes decisions have used so far.
    public private(set) var cursor = 0

    public init(_ data: UnsafePointer<UInt8>?, count: Int) {
        if let data, count > 0 {
            bytes = Array(UnsafeBufferPointer(start: data, count: count))
        } else {
            bytes = []
        }
    }

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// The next byte, or 0 past the end.
    public mutating func byte() -> UInt8 {
        guard cursor < bytes.count else { return 0 }
        defer { cursor += 1 }
        return bytes[cursor]
    }

    /// The next two bytes, little-endian.
    public mutating func uint16() -> UInt16 {
        UInt16(byte()) | UInt16(byte()) << 8
    }

    /// The next four bytes, little-endian.
    public mutating func uint32() -> UInt32 {
        UInt32(uint16()) | UInt32(uint16()) << 16
    }

    /// The next byte as a flag.
    public mutating func bool() -> Bool { byte() & 1 == 1 }

    /// The next `count` bytes (fewer at the end).
    public mutating func take(_ count: Int) -> ArraySlice<UInt8> {
        let end = min(bytes.count, cursor + max(0, count))
        defer { cursor = end }
        return bytes[cursor..<end]
    }

    /// Everything not used yet.
    public var rest: ArraySlice<UInt8> { bytes[cursor...] }
}

/// Chunk sizes chosen by a few bytes: feeding the same payload in these pieces exercises every
/// split point a TCP capture can produce (1-byte segments, a tag cut in the middle, one big block).
public struct ChunkPlan {
    private let sizes: [Int]
    private var next = 0

    /// Reads `count` size bytes from `input`; size byte 0 means "the rest in one piece".
    public init(from input: inout FuzzInput, count: Int) {
        var sizes: [Int] = []
        for _ in 0..<count {
            let byte = Int(input.byte())
            // Mostly small pieces (1–64 bytes), sometimes large ones.
            sizes.append(byte == 0 ? Int.max : (byte < 192 ? byte % 64 + 1 : (byte - 191) * 256))
        }
        self.sizes = sizes.isEmpty ? [Int.max] : sizes
    }

    /// The size of the next piece (the sizes repeat).
    public mutating func nextSize() -> Int {
        defer { next = (next + 1) % sizes.count }
        return sizes[next]
    }

    /// Splits `payload` into pieces following the plan.
    public mutating func split(_ payload: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var pieces: [ArraySlice<UInt8>] = []
        var start = payload.startIndex
        while start < payload.endIndex {
            let size = nextSize()
            let end = size >= payload.endIndex - start ? payload.endIndex : start + size
            pieces.append(payload[start..<end])
            start = end
        }
        return pieces
    }
}

/// Runs libFuzzer's driver with the process's arguments.
///
/// SwiftPM links an executable target with `main` renamed to `<Target>_main`; a fuzz target is
/// built with `-parse-as-library` and has no top-level code, so each defines that symbol with
/// `@_cdecl` and calls this, and libFuzzer's own `main` is never linked in.
public func runLibFuzzer(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, testOneInput)
}
