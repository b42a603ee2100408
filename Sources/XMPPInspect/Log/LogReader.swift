internal import CZlib
#if canImport(Glibc)
import Glibc
#endif

/// Reads log lines from a file (plain or gzip, told apart by zlib) or standard input (`-`),
/// streaming: memory stays flat whatever the size.
public final class LogReader {
    /// Why a log cannot be read.
    public struct OpenError: Error, CustomStringConvertible {
        public var description: String
    }

    private let file: gzFile
    public let name: String
    private var buffer: [UInt8] = []
    private var start = 0
    private var exhausted = false
    /// The 1-based number of the last line returned.
    public private(set) var lineNumber = 0

    public init(path: String) throws(OpenError) {
        let handle = path == "-" ? gzdopen(0, "rb") : gzopen(path, "rb")
        guard let handle else {
            throw OpenError(description: "cannot read \(path)")
        }
        gzbuffer(handle, 1 << 17)
        file = handle
        name = path == "-" ? "standard input" : path
    }

    deinit { gzclose(file) }

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
            let count = buffer.withUnsafeMutableBufferPointer { bytes in
                gzread(file, bytes.baseAddress! + end, UInt32(bytes.count - end))
            }
            if count < 0 {
                var code: Int32 = 0
                let message = gzerror(file, &code).map { String(cString: $0) } ?? "read error"
                throw OpenError(description: "\(name): \(message)")
            }
            if count == 0 { exhausted = true } else { end += Int(count) }
        }
        if !exhausted || start >= end { return }
        lineNumber += 1
        _ = buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<end])) }
    }
}
