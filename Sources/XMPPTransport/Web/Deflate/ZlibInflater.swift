internal import CZlib

/// The bridge to zlib's inflate: the one file that imports CZlib. One value is one inflate
/// stream, fed in pieces; `reset()` starts a new one (the window forgotten).
///
/// Formats: raw DEFLATE with a window size (WebSocket permessage-deflate, RFC 7692), and gzip
/// (logs written with `gzip`; members one after another are read as one stream, as gzip does).
public final class ZlibInflater {
    /// What the compressed bytes are wrapped in.
    public enum Format: Sendable, Hashable {
        /// Raw DEFLATE (RFC 1951) with a window of 2^bits bytes (8–15).
        case rawDeflate(windowBits: Int)
        /// A gzip file (RFC 1952), possibly several members.
        case gzip
    }

    /// Why bytes did not inflate.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// zlib's own words.
        public var message: String
        public var description: String { message }
    }

    public let format: Format
    private let stream: UnsafeMutablePointer<z_stream>
    private var scratch: [UInt8]
    /// After gzip's end of member: what comes next must be another member, or it is the end.
    private var memberEnded = false
    /// Once a stream failed it stays failed until `reset()`.
    private var failure: Failure?

    /// A ready stream of this format (zlib's window bits are clamped to 9–15: zlib cannot
    /// inflate raw streams with an 8-bit window, and 9 reads them as well).
    public init(format: Format) {
        self.format = format
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        scratch = [UInt8](repeating: 0, count: 1 << 15)
        let code = inflateInit2_(stream, Self.windowBits(format), ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        if code != Z_OK { failure = Failure(message: "zlib could not start inflating (code \(code))") }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    private static func windowBits(_ format: Format) -> Int32 {
        switch format {
        case .rawDeflate(let bits): return -Int32(min(15, max(9, bits)))
        case .gzip: return 15 + 16
        }
    }

    /// gzip: whether the last member ended and no other began (a file may end here).
    public var isBetweenMembers: Bool { memberEnded }

    /// Forgets the window and any failure: the next bytes begin a new stream.
    public func reset() {
        if failure != nil || inflateReset(stream) != Z_OK {
            inflateEnd(stream)
            stream.pointee = z_stream()
            failure = nil
            let code = inflateInit2_(stream, Self.windowBits(format), ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            if code != Z_OK { failure = Failure(message: "zlib could not start inflating (code \(code))") }
        }
        memberEnded = false
    }

    /// Inflates `input`, handing the output to `output` in pieces (valid only during the call).
    /// Raw DEFLATE may end without a final block (permessage-deflate appends an empty stored
    /// block and continues the stream with the next message); gzip bytes after the last member
    /// that are not another member are ignored.
    public func inflate(_ input: UnsafeRawBufferPointer, output: (UnsafeRawBufferPointer) -> Void) throws(Failure) {
        if let failure { throw failure }
        guard let base = input.baseAddress, !input.isEmpty else { return }
        var offset = 0
        while offset < input.count {
            if memberEnded {
                // gzip: another member must begin with the magic bytes; anything else ends the file.
                guard input[offset] == 0x1F else { return }
                inflateReset(stream)
                memberEnded = false
            }
            stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self) + offset)
            stream.pointee.avail_in = UInt32(min(input.count - offset, Int(UInt32.max)))
            let before = Int(stream.pointee.avail_in)
            var code: Int32 = Z_OK
            repeat {
                let produced = scratch.withUnsafeMutableBufferPointer { out -> Int in
                    stream.pointee.next_out = out.baseAddress
                    stream.pointee.avail_out = UInt32(out.count)
                    code = CZlib.inflate(stream, Z_NO_FLUSH)
                    return out.count - Int(stream.pointee.avail_out)
                }
                if produced > 0 {
                    scratch.withUnsafeBytes { output(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
                }
                if code == Z_STREAM_END { break }
                if code == Z_BUF_ERROR { code = Z_OK; break }  // no progress possible: needs more input
                if code != Z_OK { break }
            } while stream.pointee.avail_in > 0 || stream.pointee.avail_out == 0
            let used = before - Int(stream.pointee.avail_in)
            offset += used
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
            switch code {
            case Z_OK:
                if used == 0 && offset < input.count { return }  // nothing more can be taken
            case Z_STREAM_END:
                switch format {
                case .gzip: memberEnded = true
                case .rawDeflate:
                    // A final block: the stream is over; more bytes would begin a new one.
                    inflateReset(stream)
                }
            default:
                let text = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(code)"
                let failure = Failure(message: text)
                self.failure = failure
                throw failure
            }
        }
    }
}
