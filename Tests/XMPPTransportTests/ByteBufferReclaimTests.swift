import NIOCore
import Testing
@testable import XMPPTransport

@Suite("A reader's pending buffer between feeds")
struct ByteBufferReclaimTests {
    static func buffer(capacity: Int, written: Int, read: Int) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: capacity)
        buffer.writeBytes((0..<written).map { UInt8(truncatingIfNeeded: $0) })
        buffer.moveReaderIndex(forwardBy: read)
        return buffer
    }

    @Test("a buffer grown for one large frame is let go, the unread start of the next frame kept")
    func largeBufferLetGo() {
        var buffer = Self.buffer(capacity: 200_000, written: 150_010, read: 150_000)
        let unread = Array(buffer.readableBytesView)
        buffer.reclaim(keepingAtMost: 64 * 1024)
        #expect(buffer.capacity <= 64 * 1024)
        #expect(Array(buffer.readableBytesView) == unread)
        #expect(unread.count == 10)
    }

    @Test("a large buffer read to its end is let go; a small one is emptied in place")
    func emptied() {
        var large = Self.buffer(capacity: 200_000, written: 150_000, read: 150_000)
        large.reclaim(keepingAtMost: 64 * 1024)
        #expect(large.capacity <= 64 * 1024 && large.readableBytes == 0)
        var small = Self.buffer(capacity: 4096, written: 1000, read: 1000)
        let capacity = small.capacity
        small.reclaim(keepingAtMost: 64 * 1024)
        #expect(small.capacity == capacity && small.readerIndex == 0 && small.writerIndex == 0)
    }

    @Test("a small buffer with unread bytes moves them to its start; a large one with much unread is kept")
    func kept() {
        var small = Self.buffer(capacity: 4096, written: 1000, read: 600)
        let unread = Array(small.readableBytesView)
        small.reclaim(keepingAtMost: 64 * 1024)
        #expect(small.readerIndex == 0 && Array(small.readableBytesView) == unread)
        var large = Self.buffer(capacity: 200_000, written: 150_000, read: 10_000)
        let capacity = large.capacity
        large.reclaim(keepingAtMost: 64 * 1024)
        #expect(large.capacity == capacity && large.readableBytes == 140_000 && large.readerIndex == 0)
    }
}
