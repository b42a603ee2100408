#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of one direction the framer still needs, addressed by their offset in the whole
/// stream, with the line and column of any offset in them.
///
/// Bytes are appended as they are fed and dropped from the front once released (when dropping
/// is worth a copy), so memory stays bounded by what the framer holds on to; newlines of dropped
/// bytes are counted first, so positions stay right across the whole stream.
///
/// A class: libxml2's callbacks ask for positions while the parser reads the bytes in place.
final class ByteWindow {
    /// Bytes from `start` to ``end``.
    private(set) var bytes: [UInt8] = []
    /// The stream offset of `bytes[0]`.
    private(set) var start = 0
    /// Bytes before this offset are no longer needed; they are dropped when that is worth a copy.
    private var releasable = 0
    /// `\n` count and last `\n` offset before `start`, and a cache of the last position asked for.
    private var linesBefore = 0
    private var lastNewlineBefore = -1
    private var positionCache = (offset: 0, line: 1, lastNewline: -1)

    /// The offset just past the last byte fed (or skipped).
    var end: Int { start + bytes.count }
    /// Bytes held right now.
    var count: Int { bytes.count }

    func append(_ buffer: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: buffer.bindMemory(to: UInt8.self))
    }

    /// The byte at a stream offset, if it is held.
    func byte(at offset: Int) -> UInt8? {
        let index = offset - start
        guard index >= 0, index < bytes.count else { return nil }
        return bytes[index]
    }

    /// A copy of the bytes in `[from, to)`; both must be held.
    func copy(from: Int, to: Int) -> [UInt8] {
        Array(bytes[(from - start)..<(to - start)])
    }

    /// Up to `limit` bytes of `[from, to)` that are still held (the front may be gone).
    func heldPrefix(from: Int, to: Int, limit: Int) -> ArraySlice<UInt8> {
        let kept = max(from, start)
        guard limit > 0, to > kept else { return [] }
        return bytes[(kept - start)..<(min(to, kept + limit) - start)]
    }

    /// Calls `body` with the bytes of `[from, to)`, all held, without copying them.
    func withBytes<Result>(from: Int, to: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[(from - start)..<(to - start)])) }
    }

    /// Calls `body` with a pointer to the held bytes from `offset` on.
    func withBytes<Result>(from offset: Int, _ body: (UnsafePointer<UInt8>) -> Result) -> Result {
        bytes.withUnsafeBufferPointer { body($0.baseAddress! + (offset - start)) }
    }

    /// Calls `body` with every byte held and the stream offset of the first.
    func withUnsafeBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>, _ base: Int) -> Result) -> Result {
        bytes.withUnsafeBufferPointer { body($0, start) }
    }

    // MARK: Letting go

    /// Moves past everything before `offset`, which may lie beyond what was fed (a gap).
    func skip(to offset: Int) {
        if offset >= end {
            countNewlines(before: end)
            bytes.removeAll(keepingCapacity: true)
            start = offset
            releasable = offset
        } else {
            release(upTo: offset)
        }
    }

    /// Marks bytes before `offset` as no longer needed; drops them when that is worth a copy.
    func release(upTo offset: Int) {
        releasable = max(releasable, min(offset, end))
        let droppable = releasable - start
        guard droppable >= 4096 && droppable * 2 >= bytes.count else { return }
        countNewlines(before: releasable)
        bytes.removeFirst(droppable)
        start = releasable
    }

    // MARK: Positions

    /// Line and column of an offset inside the window (or at its end).
    func position(at offset: Int) -> StreamPosition {
        let target = min(max(offset, start), end)
        var (from, line, lastNewline) = (start, linesBefore + 1, lastNewlineBefore)
        if positionCache.offset >= start && positionCache.offset <= target {
            (from, line, lastNewline) = positionCache
        }
        let (lines, last) = Self.newlines(in: (from - start)..<(target - start), of: bytes)
        line += lines
        if let last { lastNewline = start + last }
        positionCache = (target, line, lastNewline)
        return StreamPosition(offset: offset, line: line, column: offset - lastNewline)
    }

    private func countNewlines(before offset: Int) {
        let count = min(offset, end) - start
        guard count > 0 else { return }
        if positionCache.offset >= start && positionCache.offset <= start + count {
            // Continue from the cached position instead of from the window's start.
            linesBefore = positionCache.line - 1
            lastNewlineBefore = positionCache.lastNewline
            let (lines, last) = Self.newlines(in: (positionCache.offset - start)..<count, of: bytes)
            linesBefore += lines
            if let last { lastNewlineBefore = start + last }
            return
        }
        let (lines, last) = Self.newlines(in: 0..<count, of: bytes)
        linesBefore += lines
        if let last { lastNewlineBefore = start + last }
    }

    /// How many `\n` are in `range` of `bytes`, and the index of the last one (memchr-fast).
    private static func newlines(in range: Range<Int>, of bytes: [UInt8]) -> (Int, Int?) {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, !range.isEmpty else { return (0, nil) }
            var count = 0
            var last: Int?
            var index = range.lowerBound
            while index < range.upperBound,
                  let found = memchr(base + index, 0x0A, range.upperBound - index) {
                let position = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                count += 1
                last = position
                index = position + 1
            }
            return (count, last)
        }
    }
}
