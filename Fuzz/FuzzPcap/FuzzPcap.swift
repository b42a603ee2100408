import FuzzSupport
import XMPPCapture
import XMPPCore
import XMPPInspect
#if canImport(Glibc)
import Glibc
import XMPPBase
#endif

/// libFuzzer target for the capture path: libpcap's reader (``PcapSource``), link/IP/TCP decoding
/// (``PacketDecoder``), reassembly (``TCPConnectionTracker``) and the ``Inspector`` behind it.
///
/// Two modes, told apart by the first bytes:
/// - **file**: input that starts with a pcap or pcapng magic number is a capture file. It is
///   written to a temporary file (``PcapSource`` opens paths only) and replayed through
///   ``Replayer/run(_:into:)``, exactly as `xmppscope replay` does.
/// - **segments**: anything else is a script of TCP segments between two connections, handed
///   straight to the tracker. Mutations then move sequence numbers, flags and payloads directly,
///   which reaches reassembly (overlaps, wrap-around, holes, RST/FIN orders) far faster than
///   mutating checksummed-free but length-laden packet headers.
///
/// Every record is also written as a JSON Lines line and read back: the log must stay readable.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPcap(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzInput(data, count: count)
    let options = inspectorOptions(input.bytes.last ?? 0)
    let inspector = Inspector(options: options, sink: checkRecord)
    if isCapture(input.bytes) {
        replayFile(input.bytes, into: inspector)
    } else {
        var script = input
        SegmentScript.run(&script, into: inspector)
    }
    return 0
}

/// Options from one byte: small limits sometimes, TLS terminated sometimes.
private func inspectorOptions(_ byte: UInt8) -> InspectorOptions {
    InspectorOptions(
        limits: byte & 0x01 != 0 ? FramerLimits(maxStanzaBytes: 64 + Int(byte >> 3) * 8, maxDepth: 1 + Int(byte >> 5)) : .default,
        showSecrets: byte & 0x02 != 0,
        keepsElements: byte & 0x04 != 0,
        tlsTerminated: byte & 0x08 != 0 && byte & 0x01 == 0
    )
}

/// The magic numbers ``InputKind/detect(path:)`` takes for a capture.
private func isCapture(_ bytes: [UInt8]) -> Bool {
    guard bytes.count >= 4 else { return false }
    let magic = UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
    return [0xA1B2_C3D4, 0xD4C3_B2A1, 0xA1B2_3C4D, 0x4D3C_B2A1, 0x0A0D_0D0A, 0xA1B2_CD34, 0x34CD_B2A1].contains(magic)
}

/// A per-process file in memory-backed /dev/shm when there is one (libFuzzer's -jobs run
/// several processes).
private let capturePath: String = {
    var info = stat()
    let directory = stat("/dev/shm", &info) == 0 ? "/dev/shm" : "/tmp"
    return "\(directory)/xmppscope-fuzz-pcap-\(getpid()).pcap"
}()

private func replayFile(_ bytes: [UInt8], into inspector: Inspector) {
    guard let file = fopen(capturePath, "wb") else { fatalError("cannot write \(capturePath)") }
    let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    fclose(file)
    precondition(written == bytes.count, "short write to \(capturePath)")
    defer { unlink(capturePath) }
    let source: PcapSource
    do {
        source = try PcapSource(path: capturePath)
    } catch {
        _ = error.description  // a header libpcap refuses: the error message must still render
        return
    }
    _ = source.linkType
    let outcome = Replayer.run(source, into: inspector)
    _ = outcome.statistics?.summaryLines
    _ = outcome.captureError?.description
}

/// Encodes a record as the log does and decodes it back: what the writer writes, the reader reads.
private func checkRecord(_ record: Record) {
    // Known and reported, not checked here: a timestamp outside years 0000–9999 (a pcapng's
    // 64-bit time) is written with a longer year, which RFC 3339 and RecordDecoder do not take.
    guard (-62_167_219_200...253_402_300_799).contains(record.timestamp.wholeSeconds) else { return }
    var line: [UInt8] = []
    JSONLinesWriter.encode(record, into: &line)
    let decoded: Record
    do {
        decoded = try line.withUnsafeBufferPointer { try RecordDecoder.decode($0) }
    } catch {
        fatalError("a record the writer wrote does not read back (\(error)): \(String(decoding: line, as: UTF8.self))")
    }
    precondition(decoded.seq == record.seq && decoded.event == record.event && decoded.connection == record.connection
                 && decoded.direction == record.direction,
                 "record changed through the log: \(String(decoding: line, as: UTF8.self))")
    precondition(decoded.kind == record.kind && decoded.id == record.id && decoded.type == record.type
                 && decoded.from == record.from && decoded.to == record.to,
                 "record text changed through the log: \(String(decoding: line, as: UTF8.self))")
}

/// The segment-script format: a header, then segments until the input ends.
///
///     header   := isn-c2s(4) isn-s2c(4)
///     segment  := control(1) sequence-delta(2) length(1) payload(length % 128)
///
/// `control`: bit 0 the direction, bit 1 the connection (two share one client address), bits 2–6
/// SYN, ACK, FIN, RST, PSH, bit 7 "leave a hole": the next in-order sequence number is skipped
/// past by `sequence-delta` instead of the segment being placed at `isn + 1 + sequence-delta`.
enum SegmentScript {
    static func run(_ input: inout FuzzInput, into inspector: Inspector) {
        let isn = (c2s: input.uint32(), s2c: input.uint32())
        let tracker = TCPConnectionTracker(limits: TCPReassembler.Limits(maxHeldBytes: 4096, maxHeldSegments: 16))
        let client = IPAddress.v4(0x7F00_0001), server = IPAddress.v6(0, 1)
        // Next in-order sequence number per (connection, direction).
        var next: [UInt32] = [isn.c2s &+ 1, isn.s2c &+ 1, isn.c2s &+ 7, isn.s2c &+ 7]
        var time = Timestamp(microseconds: 1_000_000)
        var packet = 0
        while input.cursor < input.bytes.count {
            let control = input.byte()
            let delta = input.uint16()
            let length = Int(input.byte() % 128)
            let payload = Array(input.take(length))
            let toServer = control & 0x01 == 0
            let connection = Int(control >> 1 & 0x01)
            let slot = connection * 2 + (toServer ? 0 : 1)
            let flagBits = control >> 2 & 0x1F
            var flags: TCPFlags = []
            if flagBits & 0x01 != 0 { flags.insert(.syn) }
            if flagBits & 0x02 != 0 { flags.insert(.ack) }
            if flagBits & 0x04 != 0 { flags.insert(.fin) }
            if flagBits & 0x08 != 0 { flags.insert(.rst) }
            if flagBits & 0x10 != 0 { flags.insert(.psh) }
            let sequence: UInt32
            if flags.contains(.syn) {
                sequence = (toServer ? isn.c2s : isn.s2c) &+ UInt32(connection * 6)
                next[slot] = sequence &+ 1
            } else if control & 0x80 != 0 {
                sequence = next[slot] &+ UInt32(delta)
                next[slot] = sequence &+ UInt32(payload.count)
            } else {
                // Relative to the in-order point: small deltas overlap or retransmit (delta as signed).
                sequence = next[slot] &+ UInt32(bitPattern: Int32(Int16(bitPattern: delta)))
                if sequence == next[slot] { next[slot] = sequence &+ UInt32(payload.count) }
            }
            let clientEnd = Endpoint(address: client, port: 40_000 + UInt16(connection))
            let serverEnd = Endpoint(address: server, port: 5222)
            packet += 1
            time.microseconds += Int64(delta % 512)
            payload.withUnsafeBytes { bytes in
                let segment = TCPSegment(
                    packet: packet, timestamp: time,
                    source: toServer ? clientEnd : serverEnd, destination: toServer ? serverEnd : clientEnd,
                    sequence: sequence, acknowledgement: next[slot ^ 1], flags: flags, payload: bytes,
                    payloadLength: control & 0x60 == 0x60 ? payload.count + Int(delta % 64) : nil
                )
                tracker.process(segment, delegate: inspector)
            }
        }
        tracker.finish(at: time, delegate: inspector)
        inspector.finishAll(at: time)
        _ = tracker.statistics.summaryLines
        _ = inspector.connections.count
    }
}

/// The program's entry point (see ``runLibFuzzer(_:_:_:)``).
@_cdecl("FuzzPcap_main")
public func fuzzPcapMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzzPcap)
}
