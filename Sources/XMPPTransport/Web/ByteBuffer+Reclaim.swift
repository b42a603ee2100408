internal import NIOCore

extension ByteBuffer {
    /// Makes room for the next bytes once everything read from this buffer has been handed on
    /// (so it is the storage's only owner and nothing is copied): emptied in place; or, when it
    /// grew past `largest` for one large message, replaced by a buffer just big enough for what is
    /// left unread (4 KiB at least), so that one large message does not pin its memory.
    mutating func reclaim(keepingAtMost largest: Int) {
        let unread = readableBytes
        if capacity > largest && unread <= largest / 2 {
            var smaller = ByteBufferAllocator().buffer(capacity: Swift.max(unread, 4096))
            smaller.writeBuffer(&self)
            self = smaller
        } else if unread == 0 {
            clear()
        } else if readerIndex > 0 {
            discardReadBytes()
        }
    }
}
