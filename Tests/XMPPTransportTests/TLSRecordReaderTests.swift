import Testing
@testable import XMPPTransport

/// The reader's records carry their header's fields, not its bytes: written out again
/// (``TLSRecord/withHeader(_:)``) they are the header as it was on the wire, whatever the
/// segmentation, also after bytes that are no record.
@Suite("TLS record reader")
struct TLSRecordReaderTests {
    /// A record as on the wire: type, version, 2-byte length, body.
    static func wire(_ type: UInt8, _ version: UInt16, _ body: [UInt8]) -> [UInt8] {
        [type, UInt8(version >> 8), UInt8(version & 0xFF), UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
    }

    static let stream: [UInt8] = {
        var bytes: [UInt8] = []
        bytes += wire(0x16, 0x0301, Array(repeating: 0x01, count: 300))         // a ClientHello's record version
        bytes += wire(0x14, 0x0303, [0x01])                                      // ChangeCipherSpec
        bytes += [0xEE, 0xEE, 0xEE]                                              // no record: hunted past
        bytes += wire(0x17, 0x0303, (0..<5000).map { UInt8(truncatingIfNeeded: $0) })
        bytes += wire(0x15, 0x0303, [0x02, 0x28])
        bytes += wire(0x17, 0x0302, Array(repeating: 0xAB, count: 256))
        bytes += wire(0x17, 0x0303, [])
        return bytes
    }()

    @Test("each record's header, written out again, is the bytes at its offset", arguments: [1, 3, 7, 512, 100_000])
    func headersAsOnTheWire(chunk: Int) {
        var reader = TLSRecordReader()
        var records: [TLSRecord] = []
        var problems: [TLSRecordReader.Problem] = []
        var index = 0
        while index < Self.stream.count {
            let end = min(Self.stream.count, index + chunk)
            Self.stream[index..<end].withUnsafeBytes { reader.append($0) }
            while let record = reader.next(problem: { problems.append($0) }) { records.append(record) }
            index = end
        }
        #expect(records.count == 6)
        #expect(problems.count == 1)
        for record in records {
            let header = record.withHeader { Array($0) }
            #expect(header == Array(Self.stream[record.offset..<(record.offset + 5)]), "record at \(record.offset)")
            #expect(record.fragment == Array(Self.stream[(record.offset + 5)..<(record.offset + 5 + record.fragment.count)]))
        }
    }
}
