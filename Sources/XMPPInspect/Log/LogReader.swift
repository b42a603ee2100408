internal import CZlib

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
        var chunk = [UInt8](repeating: 0, count: 1 << 17)
        while true {
            // Lines already buffered.
            while let newline = buffer[start...].firstIndex(of: 0x0A) {
                lineNumber += 1
                var end = newline
                if end > start && buffer[end - 1] == 0x0D { end -= 1 }
                let keepGoing = buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<end])) }
                start = newline + 1
                if !keepGoing { return }
            }
            if exhausted { break }
            buffer.removeFirst(start)
            start = 0
            let count = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
            if count < 0 {
                var code: Int32 = 0
                let message = gzerror(file, &code).map { String(cString: $0) } ?? "read error"
                throw OpenError(description: "\(name): \(message)")
            }
            if count == 0 { exhausted = true } else { buffer.append(contentsOf: chunk[0..<Int(count)]) }
        }
        if start < buffer.count {
            lineNumber += 1
            _ = buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start...])) }
        }
    }
}
