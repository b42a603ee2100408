import FuzzSupport
import XMPPBase
import XMPPCore
import XMPPInspect

/// libFuzzer target for the protocol checks: a conversation of arbitrary bytes, both sides, fed
/// through the whole inspector with every check on, then its records written as a log, read back
/// and checked again (the path of `xmppscope check LOG`).
///
/// Input layout: `flags`, then the conversation: pieces separated by 0xFF (never a byte of UTF-8
/// text), each sent by the side after the one before (c2s first). With flag bit 0 the text is an
/// undirected console dump instead (checks that need directions are off). Besides crashes and
/// sanitizer reports it checks what must hold whatever the bytes: every finding names a known
/// check and follows the record it is about.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChecks(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(data, count: count)
    let flags = input.byte()
    let undirected = flags & 0x01 != 0
    let pieces = input.rest.split(separator: 0xFF, omittingEmptySubsequences: false)

    var records: [Record] = []
    let inspector = Inspector(options: InspectorOptions(keepsElements: flags & 0x02 != 0, checks: .all)) { records.append($0) }
    var time = Timestamp(seconds: 1_700_000_000, microseconds: 0)
    for (index, piece) in pieces.enumerated() {
        time.microseconds += 1000
        let direction: Direction? = undirected ? nil : (index % 2 == 0 ? .c2s : .s2c)
        Array(piece).withUnsafeBytes { inspector.feedRaw($0, direction: direction, at: time) }
    }
    inspector.finishRaw(at: time)

    var previous: Record?
    for record in records {
        if let finding = record.finding {
            guard CheckCatalog.descriptor(finding.id) != nil else { fatalError("a finding of no known check: \(finding.id)") }
            guard let previous, previous.seq <= record.seq else { fatalError("a finding before the record it follows: \(record.seq)") }
        }
        previous = record
    }

    // The log of those records, read back and checked again.
    let runner = CheckRunner()
    for record in records where record.event != .finding {
        var line: [UInt8] = []
        JSONLinesWriter.encode(record, into: &line)
        guard var back = try? line.withUnsafeBufferPointer({ try RecordDecoder.decode($0) }) else {
            fatalError("a record the writer wrote does not read back: \(String(decoding: line, as: UTF8.self))")
        }
        back.findingIDs = []
        _ = runner.check(&back)
    }
    _ = runner.endAll()
    return 0
}

/// The program's entry point (see ``runLibFuzzer(_:_:_:)``).
@_cdecl("FuzzChecks_main")
public func fuzzChecksMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzzChecks)
}
