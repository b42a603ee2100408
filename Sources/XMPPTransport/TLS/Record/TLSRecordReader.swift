/// Cuts one direction's TLS bytes into records, whatever the TCP segmentation: records split
/// over segments and several records in one are the same to it. Holds at most one record's bytes.
///
/// A header that cannot begin a record (an unknown content type, a version that is not TLS, a
/// length past the limit) is a ``TLSRecordReader/Problem``; the reader then hunts for the next
/// plausible header and carries on from there.
struct TLSRecordReader {
    /// Why bytes could not be read as a record.
    enum Problem: Sendable, Hashable {
        /// Bytes that do not begin a TLS record, and how many were skipped before a plausible
        /// header (or the end of the stream, or a gap).
        case notARecord(offset: Int, skipped: Int)
        /// A record longer than TLS allows (2^14 + 2048; 2^14 + 256 for TLS 1.3).
        case oversized(offset: Int, length: Int, limit: Int)
    }

    /// The most a record body may hold: RFC 5246 §6.2.3 allows 2^14 + 2048 of ciphertext.
    static let maximumLength = (1 << 14) + 2048
    /// RFC 8446 §5.2: 2^14 + 256 under TLS 1.3.
    static let maximumLengthTLS13 = (1 << 14) + 256

    /// The length limit in force (lowered once TLS 1.3 is negotiated).
    var limit = maximumLength
    private var buffer: [UInt8] = []
    private var start = 0
    /// The stream offset of `buffer[0]`.
    private var base = 0
    /// Hunting for a plausible header after a problem or a gap.
    private(set) var isHunting = false
    /// Where the bytes being skipped began, while the hunt goes on: their problem is reported
    /// when it is known how many there are (whatever the segmentation, one report for the run).
    private var skippingFrom: Int?

    /// Bytes of this direction's TLS stream read so far (counting gaps).
    var totalBytes: Int { base + buffer.count }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0 && start == buffer.count {
            base += buffer.count
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 4096 && start > buffer.count / 2 {
            base += start
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes.bindMemory(to: UInt8.self))
    }

    /// Reports the bytes being skipped, if any, up to what is held: at the end of the stream or
    /// before a gap.
    mutating func endSkipping(problem: (Problem) -> Void) {
        guard let from = skippingFrom else { return }
        skippingFrom = nil
        problem(.notARecord(offset: from, skipped: base + buffer.count - from))
    }

    /// `count` bytes were lost: what is held is dropped, and the next record is hunted for.
    /// (Call ``endSkipping(problem:)`` first.)
    mutating func gap(_ count: Int) {
        skippingFrom = nil
        base += buffer.count + count
        buffer.removeAll(keepingCapacity: true)
        start = 0
        isHunting = true
    }

    /// The next complete record, or nil when more bytes are needed. Problems are reported to
    /// `problem` as they are met; the reader moves past them.
    mutating func next(problem: (Problem) -> Void) -> TLSRecord? {
        while true {
            let available = buffer.count - start
            guard available >= 5 else { return nil }
            if isHunting {
                guard let found = findPlausibleHeader() else { return nil }
                start = found
                isHunting = false
                if let from = skippingFrom {
                    skippingFrom = nil
                    problem(.notARecord(offset: from, skipped: base + start - from))
                }
                continue
            }
            let type = buffer[start]
            let major = buffer[start + 1]
            let length = Int(buffer[start + 3]) << 8 | Int(buffer[start + 4])
            guard TLSContentType(rawValue: type) != nil, major == 3 else {
                let offset = base + start
                start += 1
                if let found = findPlausibleHeader() {
                    start = found
                    problem(.notARecord(offset: offset, skipped: base + start - offset))
                } else {
                    // Reported when the hunt ends.
                    isHunting = true
                    skippingFrom = offset
                }
                continue
            }
            guard length <= limit else {
                let offset = base + start
                start += 1
                isHunting = true
                problem(.oversized(offset: offset, length: length, limit: limit))
                continue
            }
            guard available >= 5 + length else { return nil }
            let record = TLSRecord(
                contentType: type,
                legacyVersion: UInt16(major) << 8 | UInt16(buffer[start + 2]),
                fragment: Array(buffer[(start + 5)..<(start + 5 + length)]),
                offset: base + start
            )
            start += 5 + length
            return record
        }
    }

    /// The next index at or after `start` where a plausible record header begins: a known content
    /// type, version 3.1–3.4, and a length within the limit. Nil if none in what is held (the
    /// last four bytes are kept for the next append).
    private mutating func findPlausibleHeader() -> Int? {
        var index = start
        while index + 5 <= buffer.count {
            if TLSContentType(rawValue: buffer[index]) != nil, buffer[index + 1] == 3, (1...4).contains(buffer[index + 2]),
               Int(buffer[index + 3]) << 8 | Int(buffer[index + 4]) <= limit {
                return index
            }
            index += 1
        }
        start = max(start, buffer.count - 4)
        return nil
    }
}
