/// Reassembles one direction's handshake messages from the content of handshake records: a
/// message split over records, or several in one record, comes out whole, one at a time.
struct TLSHandshakeReader {
    /// The largest message accepted (a certificate chain fits; a bogus length does not hold memory).
    static let maximumMessageLength = 1 << 20
    private var buffer: [UInt8] = []

    /// Whether part of a message is held (keys must not change in the middle of one).
    var holdsPartialMessage: Bool { !buffer.isEmpty }

    /// Adds a handshake record's content and returns the messages it completes. A length past
    /// ``maximumMessageLength`` throws and drops what is held.
    mutating func append(_ content: [UInt8]) throws(TLSHandshakeReaderError) -> [TLSHandshakeMessage] {
        buffer.append(contentsOf: content)
        var messages: [TLSHandshakeMessage] = []
        var start = 0
        while buffer.count - start >= 4 {
            let length = Int(buffer[start + 1]) << 16 | Int(buffer[start + 2]) << 8 | Int(buffer[start + 3])
            guard length <= Self.maximumMessageLength else {
                let type = buffer[start]
                buffer.removeAll()
                throw .oversized(type: type, length: length)
            }
            guard buffer.count - start >= 4 + length else { break }
            let raw = Array(buffer[start..<(start + 4 + length)])
            messages.append(TLSHandshakeMessage(typeByte: raw[0], body: Array(raw[4...]), raw: raw))
            start += 4 + length
        }
        buffer.removeFirst(start)
        return messages
    }

    /// Forgets a partial message (after a gap).
    mutating func reset() { buffer.removeAll() }
}

/// A handshake message that cannot be reassembled.
enum TLSHandshakeReaderError: Error, Sendable, Hashable {
    case oversized(type: UInt8, length: Int)
}
