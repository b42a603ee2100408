import Testing
import XMPPCapture
import XMPPBase

/// Drives one direction's reassembler and records what comes out, bytes as text.
private struct Harness {
    var reassembler = TCPReassembler(limits: TCPReassembler.Limits(maxHeldBytes: 64, maxHeldSegments: 8))
    var output: [String] = []

    init(synSequence: UInt32? = nil) {
        if let synSequence { reassembler.start(synSequence: synSequence) }
    }

    mutating func send(_ sequence: UInt32, _ text: String, claimed: Int? = nil, fin: Bool = false) {
        var collected: [String] = []
        Array(text.utf8).withUnsafeBytes { bytes in
            reassembler.receive(sequence: sequence, payload: bytes, length: claimed ?? bytes.count, fin: fin,
                                at: Timestamp(microseconds: Int64(sequence))) { chunk, _ in
                collected.append(Harness.describe(chunk))
            }
        }
        output += collected
    }

    mutating func ack(_ acknowledgement: UInt32) {
        var collected: [String] = []
        reassembler.acknowledged(acknowledgement, at: Timestamp(microseconds: 0)) { chunk, _ in collected.append(Harness.describe(chunk)) }
        output += collected
    }

    mutating func flush() {
        var collected: [String] = []
        reassembler.flush(at: Timestamp(microseconds: 0)) { chunk, _ in collected.append(Harness.describe(chunk)) }
        output += collected
    }

    var text: String { output.joined() }

    static func describe(_ chunk: ReassembledChunk) -> String {
        switch chunk {
        case .data(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .gap(let count): return "[gap \(count)]"
        }
    }
}

@Suite("TCP reassembly")
struct TCPReassemblerTests {
    @Test("in order")
    func inOrder() {
        var harness = Harness(synSequence: 999)
        harness.send(1000, "<iq ")
        harness.send(1004, "type='get'/>")
        #expect(harness.text == "<iq type='get'/>")
    }

    @Test("reordered segments are held until the hole fills")
    func reordered() {
        var harness = Harness(synSequence: 99)
        harness.send(100, "aaaa")
        harness.send(108, "cccc")
        harness.send(112, "dddd")
        #expect(harness.text == "aaaa")
        harness.send(104, "bbbb")
        #expect(harness.text == "aaaabbbbccccdddd")
    }

    @Test("duplicates and retransmissions are dropped")
    func duplicates() {
        var harness = Harness(synSequence: 0)
        harness.send(1, "hello")
        harness.send(1, "hello")
        harness.send(3, "ll")
        harness.send(6, " world")
        harness.send(6, " world")
        #expect(harness.text == "hello world")
        #expect(harness.reassembler.retransmissions == 3)
    }

    @Test("overlapping segments contribute only their new bytes")
    func overlaps() {
        var harness = Harness(synSequence: 0)
        harness.send(1, "abcdef")
        harness.send(4, "defghi")
        harness.send(12, "lmn")
        harness.send(9, "ijkl")
        #expect(harness.text == "abcdefghijklmn")
    }

    @Test("sequence numbers wrap around 2^32")
    func wrapAround() {
        var harness = Harness(synSequence: UInt32.max - 3)
        harness.send(UInt32.max - 2, "abc")
        harness.send(1, "efg")
        harness.send(0, "d")  // offset 3: max-2, max-1, max, then 0
        #expect(harness.text == "abcdefg")
        #expect(harness.reassembler.nextOffset == 7)
    }

    @Test("a hole the receiver acknowledged past is a gap at once")
    func acknowledgedHole() {
        var harness = Harness(synSequence: 0)
        harness.send(1, "aaaa")
        harness.send(9, "cccc")
        #expect(harness.text == "aaaa")
        harness.ack(13)
        #expect(harness.text == "aaaa[gap 4]cccc")
    }

    @Test("a hole still open at the end becomes a gap when flushed")
    func flushedHole() {
        var harness = Harness(synSequence: 0)
        harness.send(1, "aaaa")
        harness.send(11, "cc")
        harness.flush()
        #expect(harness.text == "aaaa[gap 6]cc")
        #expect(harness.reassembler.missingBytes == 6)
    }

    @Test("holding too much gives up on the hole")
    func holdLimit() {
        var harness = Harness(synSequence: 0)
        harness.send(1, "a")
        for index in 0..<9 { harness.send(UInt32(10 + index * 2), "x") }
        #expect(harness.text.hasPrefix("a[gap 8]x"))
    }

    @Test("a snaplen-cut segment delivers what was captured, then a gap")
    func truncatedPayload() {
        var harness = Harness(synSequence: 0)
        harness.send(1, "abc", claimed: 10)
        harness.send(11, "next")
        #expect(harness.text == "abc[gap 7]next")
    }

    @Test("a jump of 2^31 is ignored, not taken for a 2 GB hole")
    func sequenceJump() {
        var harness = Harness(synSequence: 0)
        harness.send(1, "ok")
        harness.send(1 &+ (1 << 31), "bogus")
        harness.send(3, "!")
        harness.flush()
        #expect(harness.text == "ok!")
        #expect(harness.reassembler.outOfWindow == 1)
    }

    @Test("joined mid-connection: the first segment seen sets the start")
    func midStream() {
        var harness = Harness()
        harness.send(5000, "<presence/>")
        harness.send(5011, "<iq/>", fin: true)
        #expect(harness.text == "<presence/><iq/>")
        #expect(harness.reassembler.isFinished)
    }

    @Test("bytes lost before a FIN are a gap: when acknowledged, or at the end")
    func lostTail() {
        var acked = Harness(synSequence: 999)
        acked.send(1000, String(repeating: "a", count: 100))
        acked.send(1200, "", fin: true)
        acked.ack(1201)
        #expect(acked.text == String(repeating: "a", count: 100) + "[gap 100]")
        #expect(acked.reassembler.isFinished)

        var flushed = Harness(synSequence: 999)
        flushed.send(1000, "abc")
        flushed.send(1010, "", fin: true)
        flushed.flush()
        #expect(flushed.text == "abc[gap 7]")
    }

    @Test("a full retransmission replaces a snaplen-cut copy held out of order")
    func fullerCopyWins() {
        var harness = Harness(synSequence: 0)
        harness.send(1, "a")
        harness.send(5, "ef", claimed: 4)
        harness.send(5, "efgh")
        harness.send(2, "bcd")
        #expect(harness.text == "abcdefgh")
    }

    @Test("a FIN far outside the window does not end the direction")
    func bogusFin() {
        var harness = Harness(synSequence: 0)
        harness.send(1, "ok")
        harness.send(1 &+ (1 << 31), "", fin: true)
        #expect(!harness.reassembler.isFinished)
    }

    @Test("a held segment comes out with the time it was captured")
    func heldSegmentsKeepTheirTime() {
        var reassembler = TCPReassembler()
        reassembler.start(synSequence: 0)
        var times: [Int64] = []
        Array("bb".utf8).withUnsafeBytes { bytes in
            reassembler.receive(sequence: 3, payload: bytes, length: 2, fin: false, at: Timestamp(microseconds: 20)) { _, time in times.append(time.microseconds) }
        }
        Array("aa".utf8).withUnsafeBytes { bytes in
            reassembler.receive(sequence: 1, payload: bytes, length: 2, fin: false, at: Timestamp(microseconds: 30)) { _, time in times.append(time.microseconds) }
        }
        #expect(times == [30, 20])
    }
}
