import Foundation
import Testing
import XMPPBase
@testable import XMPPInspect

/// The writer encodes each record into room reserved ahead (``JSONByteCursor``) and grows that
/// room until the record fits: the line must be what ``JSONLinesWriter/encode(_:into:secondsPrefix:)``
/// appends to an array, wherever the room first runs out.
@Suite("JSON Lines writer: records encoded into reserved room")
struct JSONLinesWriterScratchTests {
    /// A stanza whose strings need every kind of escaping, with most optional fields set.
    private static func record() -> Record {
        var record = Record(seq: 42, timestamp: Timestamp(microseconds: 1_764_000_000_000_007), connection: 9,
                            direction: .c2s, event: .stanza)
        record.kind = "message"
        record.type = "chat"
        record.id = "q\"uote\\back"
        record.from = "juliet@example.com/balcony"
        record.to = "romeo@example.net"
        record.namespaces = ["urn:a", "jabber:x:oob"]
        record.xml = "<message id='q\"uote\\back'><body>tab\there\nnew line \u{01} café 𝄞</body></message>"
            + String(repeating: "<x>\"</x>", count: 40)
        record.size = record.xmlBytes?.count ?? 0
        record.offset = 1_234
        record.rttMilliseconds = 12.345
        record.requestSeq = 40
        record.error = ErrorInfo(source: .stanza, type: "cancel", condition: "item-not-found", text: "line\none")
        record.findingIDs = ["a-finding", "another"]
        return record
    }

    @Test("every starting room size gives the array encoder's line")
    func everyRoomSize() {
        let record = Self.record()
        let prefix = Array(Timestamp.secondsPrefix(record.timestamp.wholeSeconds).utf8)
        var expected: [UInt8] = []
        JSONLinesWriter.encode(record, into: &expected, secondsPrefix: prefix)
        expected.append(0x0A)
        #expect(expected.count > 500)

        var compared = 0
        for size in 1...(expected.count + 1) {
            var scratch = [UInt8](repeating: 0, count: size)
            let length = JSONLinesWriter.encodeLine(record, secondsPrefix: prefix, scratch: &scratch)
            let same = Array(scratch[..<length]) == expected
            #expect(same, "room of \(size) bytes")
            // Too little room is grown once, to what the first pass counted.
            #expect(scratch.count == max(size, expected.count))
            compared += 1
        }
        #expect(compared == expected.count + 1)
    }

    @Test("after a write that does not fit, the cursor writes nothing more and counts on")
    func overflow() {
        var storage = [UInt8](repeating: 0, count: 4)
        storage.withUnsafeMutableBufferPointer { room in
            var cursor = JSONByteCursor(room)
            cursor.append(literal: "abc")
            #expect(cursor.count == 3 && !cursor.overflowed)
            cursor.append(literal: "de")
            #expect(cursor.count == 5 && cursor.overflowed)
            cursor.append(UInt8(ascii: "z"))
            #expect(cursor.count == 6)
        }
        #expect(storage == Array("abc".utf8) + [0])
    }

    @Test("pieces of every length up to 40 land whole at every offset, touching no byte past them")
    func piecesOfEveryLength() {
        let source = (0..<64).map { UInt8(0x21 + $0) }
        var checked = 0
        for length in 0...40 {
            // A cursor needs room: the empty piece is written after a byte at least.
            for offset in (length == 0 ? 1 : 0)..<9 {
                // The room ends right after the piece; a guard byte beyond it must stay.
                var storage = [UInt8](repeating: 0xEE, count: offset + length + 1)
                storage.withUnsafeMutableBufferPointer { whole in
                    var cursor = JSONByteCursor(UnsafeMutableBufferPointer(rebasing: whole[..<(offset + length)]))
                    for _ in 0..<offset { cursor.append(UInt8(ascii: "-")) }
                    source.withUnsafeBufferPointer { cursor.append(bytes: UnsafeBufferPointer(rebasing: $0[3..<(3 + length)])) }
                    #expect(cursor.count == offset + length && !cursor.overflowed)
                }
                let expected = [UInt8](repeating: UInt8(ascii: "-"), count: offset) + source[3..<(3 + length)] + [0xEE]
                #expect(storage == expected, "\(length) bytes after \(offset)")
                checked += 1
            }
        }
        #expect(checked == 41 * 9 - 1)
    }

    @Test("the writer's lines: small records, one larger than the room it keeps, small again")
    func writerLines() throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("xmppscope-writer-\(getpid()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var large = Self.record()
        large.seq = 43
        large.xml = "<message><body>" + String(repeating: "x\"", count: 50_000) + "</body></message>"
        var records = [Self.record(), large, Self.record(), Self.record()]
        records[2].seq = 44
        records[3].seq = 45
        let output = try #require(BufferedOutput(path: path))
        let writer = JSONLinesWriter(output: output)
        records.forEach(writer.write)
        writer.flush()

        var expected: [UInt8] = []
        for record in records {
            JSONLinesWriter.encode(record, into: &expected,
                                   secondsPrefix: Array(Timestamp.secondsPrefix(record.timestamp.wholeSeconds).utf8))
            expected.append(0x0A)
        }
        #expect(expected.count > 150_000)
        let written = try #require(FileManager.default.contents(atPath: path))
        #expect(written.count == expected.count)
        // Compared as one Bool: a failure would otherwise print both 150 KB arrays.
        let same = Array(written) == expected
        #expect(same)
    }
}
