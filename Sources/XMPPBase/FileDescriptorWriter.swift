#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one write loop for raw file descriptors (standard output and error, `--log`, the TLS key
/// log, the CA's files). Not `FileDescriptor`: NIOCore has a protocol of that name.
public enum FileDescriptorWriter {
    /// Writes every byte of `bytes` to `descriptor`, going on after a short write and retrying
    /// after EINTR. On any other failure the bytes before it have been written.
    public static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) throws(WriteError) {
        try writeAll(bytes) { chunk in write(descriptor, chunk.baseAddress, chunk.count) }
    }

    /// Writes the UTF-8 of `text` to `descriptor`, as `writeAll(_:_:)` does bytes.
    public static func writeAll(_ descriptor: Int32, _ text: String) throws(WriteError) {
        var text = text
        let result: Result<Void, WriteError> = text.withUTF8 { bytes in
            Result { () throws(WriteError) in try writeAll(descriptor, UnsafeRawBufferPointer(bytes)) }
        }
        try result.get()
    }

    /// The loop, over a `write(2)` stand-in that returns the count written or -1 with `errno` set
    /// (tests pass one that writes a little at a time and is interrupted).
    static func writeAll(_ bytes: UnsafeRawBufferPointer, using write: (UnsafeRawBufferPointer) -> Int) throws(WriteError) {
        var offset = 0
        while offset < bytes.count {
            let written = write(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            if written > 0 {
                offset += written
            } else if written < 0 {
                let number = errno
                if number != EINTR { throw .failed(errno: number) }
            } else {
                throw .noProgress
            }
        }
    }
}
