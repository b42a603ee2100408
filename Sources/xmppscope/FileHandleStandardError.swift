import XMPPBase
#if canImport(Glibc)
import Glibc
#endif

/// Writes straight to standard error, unbuffered (messages and warnings, not records).
enum FileHandleStandardError {
    static func write(_ text: String) {
        try? FileDescriptorWriter.writeAll(STDERR_FILENO, text)  // nowhere left to report a failure
    }
}
