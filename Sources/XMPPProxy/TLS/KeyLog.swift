import NIOCore
import NIOConcurrencyHelpers
import XMPPBase
#if canImport(Glibc)
import Glibc
#endif

/// Writes the TLS session secrets of both legs in the NSS key log format, so Wireshark or tshark
/// can decrypt a capture of the proxied traffic (`-o tls.keylog_file:FILE`), as browsers and
/// mitmproxy do with `SSLKEYLOGFILE`. The file is created 0600 and appended to.
public final class KeyLog: Sendable {
    private let descriptor: NIOLockedValueBox<Int32>
    public let path: String

    /// Opens (or creates, mode 0600) `path` for appending.
    public init(path: String) throws(KeyLogError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw KeyLogError(path: path, reason: String(cString: strerror(errno))) }
        self.path = path
        self.descriptor = NIOLockedValueBox(descriptor)
    }

    deinit {
        descriptor.withLockedValue { _ = close($0) }
    }

    /// One key log line (swift-nio-ssl hands them over with their newline).
    func write(_ line: ByteBuffer) {
        descriptor.withLockedValue { descriptor in
            // A line that cannot be written is dropped: the relay does not stop for the key log.
            line.withUnsafeReadableBytes { bytes in _ = try? FileDescriptorWriter.writeAll(descriptor, bytes) }
        }
    }

    /// The callback for a `TLSConfiguration`.
    var callback: NIOSSLKeyLogCallbackType { { [self] line in self.write(line) } }
    typealias NIOSSLKeyLogCallbackType = @Sendable (ByteBuffer) -> Void
}

/// The key log file could not be opened.
public struct KeyLogError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "cannot write the TLS key log \(path): \(reason)" }
}
