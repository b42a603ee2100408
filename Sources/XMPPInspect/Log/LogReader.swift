import XMPPTransport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads log lines from a file (plain or gzip, told apart by gzip's magic bytes and inflated by
/// ``ZlibInflater``) or standard input (`-`), streaming: memory stays flat whatever the size.
public final class LogReader {
    /// Why a log cannot be read.
    public struct OpenError: Error, CustomStringConvertible {
        public var description: String
    }

    private let file: Int32
    public let name: String
    /// Set once the first bytes show gzip's magic (0x1f 0x8b).
    private var inflater: ZlibInflater?
    private var sniffed = false
    private var compressed: [UInt8] = []
    private var buffer: [UInt8] = []
    private var start = 0
    private var exhausted = false
    /// The 1-based number of the last line returned.
    public private(set) var lineNumber = 0

    public init(path: String) throws(OpenError) {
        let handle = path == "-" ? 0 : open(path, O_RDONLY)
        guard handle >= 0 else {
            throw OpenError(description: "cannot read \(path)")
        }
        file = handle
        name = path == "-" ? "standard input" : path
    }

    deinit { if file != 0 { close(file) } }

    /// Calls `body` with each line (without its newline) until the end or until it returns false.
    public func forEachLine(_ body: (UnsafeBufferPointer<UInt8>) -> Bool) throws(OpenError) {
        let chunk = 1 << 18
        var end = 0  // bytes held in `buffer`, from `start`
        buffer = [UInt8](repeating: 0, count: chunk * 2)
        while true {
            // Lines already buffered, found with memchr.
            var stopped = false
            buffer.withUnsafeBufferPointer { bytes in
                let base = bytes.baseAddress!
                while start < end, let found = memchr(base + start, 0x0A, end - start) {
                    let newline = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                    lineNumber += 1
                    var lineEnd = newline
                    if lineEnd > start && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                    let keepGoing = body(UnsafeBufferPointer(rebasing: bytes[start..<lineEnd]))
                    start = newline + 1
                    if !keepGoing { stopped = true; return }
                }
            }
            if stopped || exhausted { break }
            // Keep the partial line, make room, read the next chunk straight in.
            if start > 0 {
                buffer.withUnsafeMutableBufferPointer { bytes in
                    _ = memmove(bytes.baseAddress!, bytes.baseAddress! + start, end - start)
                }
                end -= start
                start = 0
            }
            if buffer.count - end < chunk { buffer.append(contentsOf: repeatElement(0, count: chunk)) }
            let count = try readMore(into: end)
            if count == 0 { exhausted = true } else { end += count }
        }
        if !exhausted || start >= end { return }
        lineNumber += 1
        _ = buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<end])) }
    }

    /// Appends the next bytes of the file (inflated when it is gzip) at `end` of `buffer`
    /// (growing it when needed); 0 at the end of the file.
    private func readMore(into end: Int) throws(OpenError) -> Int {
        while true {
            if inflater == nil && sniffed {
                // Plain: read straight into the line buffer.
                let count = buffer.withUnsafeMutableBufferPointer { bytes in
                    read(file, bytes.baseAddress! + end, bytes.count - end)
                }
                if count < 0 { throw OpenError(description: "\(name): \(String(cString: strerror(errno)))") }
                return count
            }
            if compressed.isEmpty { compressed = [UInt8](repeating: 0, count: 1 << 17) }
            var have = 0
            if !sniffed {
                // The first two bytes say whether it is gzip.
                while have < 2 {
                    let count = compressed.withUnsafeMutableBufferPointer { bytes in
                        read(file, bytes.baseAddress! + have, bytes.count - have)
                    }
                    if count < 0 { throw OpenError(description: "\(name): \(String(cString: strerror(errno)))") }
                    if count == 0 { break }
                    have += count
                }
                sniffed = true
                if have >= 2 && compressed[0] == 0x1F && compressed[1] == 0x8B {
                    inflater = ZlibInflater(format: .gzip)
                } else {
                    // Plain: what was read for sniffing is the start of the text.
                    if buffer.count - end < have { buffer.append(contentsOf: repeatElement(0, count: have)) }
                    for index in 0..<have { buffer[end + index] = compressed[index] }
                    compressed = []
                    if have > 0 { return have }
                    continue
                }
            } else {
                let count = compressed.withUnsafeMutableBufferPointer { bytes in
                    read(file, bytes.baseAddress!, bytes.count)
                }
                if count < 0 { throw OpenError(description: "\(name): \(String(cString: strerror(errno)))") }
                have = count
            }
            guard let inflater else { continue }
            if have == 0 {
                if !inflater.isBetweenMembers { throw OpenError(description: "\(name): unexpected end of file") }
                return 0
            }
            var produced = 0
            var failure: ZlibInflater.Failure?
            compressed.withUnsafeBytes { bytes in
                do throws(ZlibInflater.Failure) {
                    try inflater.inflate(UnsafeRawBufferPointer(rebasing: bytes[0..<have])) { piece in
                        if buffer.count - end - produced < piece.count {
                            buffer.append(contentsOf: repeatElement(0, count: max(piece.count, 1 << 18)))
                        }
                        buffer.withUnsafeMutableBytes { target in
                            target.baseAddress!.advanced(by: end + produced).copyMemory(from: piece.baseAddress!, byteCount: piece.count)
                        }
                        produced += piece.count
                    }
                } catch {
                    failure = error
                }
            }
            if let failure { throw OpenError(description: "\(name): \(failure)") }
            if produced > 0 { return produced }
        }
    }
}
