import XMPPBase
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A buffered byte sink over a file descriptor (standard output by default).
public final class BufferedOutput {
    private var buffer: [UInt8] = []
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private let capacity = 1 << 16
    /// Set when a write failed (a closed pipe, a full disk); later writes are dropped.
    public private(set) var failed = false

    /// Writes to standard output.
    public init() {
        descriptor = STDOUT_FILENO
        ownsDescriptor = false
        buffer.reserveCapacity(capacity)
    }

    /// Creates (truncates) `path`; nil when it cannot be opened.
    public init?(path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return nil }
        self.descriptor = descriptor
        ownsDescriptor = true
        buffer.reserveCapacity(capacity)
    }

    deinit {
        flush()
        if ownsDescriptor { close(descriptor) }
    }

    public func write(_ string: String) {
        var string = string
        string.withUTF8 { write($0) }
    }

    public func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= capacity { flush() }
    }

    public func write(byte: UInt8) {
        buffer.append(byte)
    }

    /// Appends directly to the buffer (for writers that build output in place).
    func withBuffer(_ body: (inout [UInt8]) -> Void) {
        body(&buffer)
        if buffer.count >= capacity { flush() }
    }

    public func flush() {
        guard !buffer.isEmpty else { return }
        if !failed {
            do {
                try buffer.withUnsafeBytes { try FileDescriptorWriter.writeAll(descriptor, $0) }
            } catch {
                failed = true
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
