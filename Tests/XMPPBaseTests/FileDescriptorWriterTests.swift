#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Synchronization
import Testing
@testable import XMPPBase

/// `FileDescriptorWriter.writeAll`, the one write loop behind standard output, the `--log` file,
/// standard error, the TLS key log and the CA's files.
@Suite("FileDescriptorWriter.writeAll")
struct FileDescriptorWriterTests {
    /// A pipe; its ends closed once each.
    final class TestPipe: Sendable {
        let reader: Int32, writer: Int32
        private let writerOpen = Mutex(true)

        init() throws {
            var ends: [Int32] = [0, 0]
            try #require(pipe(&ends) == 0)
            (reader, writer) = (ends[0], ends[1])
        }

        deinit {
            closeWriter()
            close(reader)
        }

        func closeWriter() {
            writerOpen.withLock { open in
                if open { close(writer) }
                open = false
            }
        }

        /// Reads until every writer has closed.
        func readAll() -> [UInt8] {
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(reader, &chunk, chunk.count)
                if count <= 0 { return bytes }
                bytes += chunk[0..<count]
            }
        }
    }

    /// What a reader thread received.
    final class Received: Sendable {
        let bytes = Mutex<[UInt8]>([])
    }

    @Test("short writes and EINTR: every byte arrives, in order")
    func shortWritesAndInterrupts() throws {
        let pipe = try TestPipe()
        let message = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var calls = 0, interrupted = 0
        try message.withUnsafeBytes { bytes in
            try FileDescriptorWriter.writeAll(bytes) { chunk in
                calls += 1
                if calls % 3 == 0 {  // every third call is interrupted before writing anything
                    interrupted += 1
                    errno = EINTR
                    return -1
                }
                return write(pipe.writer, chunk.baseAddress, min(chunk.count, 7))  // at most 7 bytes a call
            }
        }
        pipe.closeWriter()
        #expect(pipe.readAll() == message)
        #expect(interrupted > 100)
        #expect(calls == message.count / 7 + 1 + interrupted)
    }

    @Test("a whole buffer through a real pipe, larger than the pipe holds")
    func largeBuffer() throws {
        let pipe = try TestPipe()
        let message = String(repeating: "<presence/>", count: 20_000)  // 220 kB; a pipe holds 64 KiB
        let received = Received(), done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let bytes = pipe.readAll()
            received.bytes.withLock { $0 = bytes }
            done.signal()
        }
        let written = Result { () throws(WriteError) in try FileDescriptorWriter.writeAll(pipe.writer, message) }
        pipe.closeWriter()  // the reader's end of file, even when the write failed
        done.wait()
        try written.get()
        let bytes = received.bytes.withLock { $0 }
        #expect(bytes.count == message.utf8.count)
        #expect(bytes == Array(message.utf8))
    }

    @Test("a failed write throws its errno")
    func failure() {
        #expect(throws: WriteError.failed(errno: EBADF)) { try FileDescriptorWriter.writeAll(-1, "x") }
        #expect(WriteError.failed(errno: EBADF).description == String(cString: strerror(EBADF)))
    }

    @Test("a write that makes no progress throws instead of looping")
    func noProgress() {
        let bytes: [UInt8] = [1, 2, 3]
        var calls = 0
        #expect(throws: WriteError.noProgress) {
            try bytes.withUnsafeBytes { buffer in
                try FileDescriptorWriter.writeAll(buffer) { _ in calls += 1; return 0 }
            }
        }
        #expect(calls == 1)
    }
}
