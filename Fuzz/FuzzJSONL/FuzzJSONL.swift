import FuzzSupport
import XMPPCore
import XMPPInspect
#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer target for the JSON Lines reader: arbitrary bytes as a log file (plain or gzip)
/// through ``RecordSource/read(_:options:prefilter:each:badLine:)`` (``LogReader``, the JSON
/// parser, ``RecordDecoder``), into `stats` (``LatencyStatistics``).
///
/// Besides crashes it checks that a record read from a log survives being written again and read
/// back: what `grep` prints, `grep` and `stats` can read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONL(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzInput(data, count: count)
    guard let file = fopen(logPath, "wb") else { fatalError("cannot write \(logPath)") }
    let written = input.bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    fclose(file)
    precondition(written == input.bytes.count, "short write to \(logPath)")
    defer { unlink(logPath) }

    let statistics = LatencyStatistics()
    statistics.startSource()
    do {
        try RecordSource.read(logPath, each: { record in
            statistics.consume(record)
            checkRoundTrip(record)
        }, badLine: { bad in
            _ = bad.description
        })
    } catch {
        _ = "\(error)"  // a capture that broke off, an unreadable gzip stream: reported, not a crash
    }
    _ = statistics.render()
    return 0
}

/// Per process: libFuzzer's -jobs run several. The `.jsonl` name keeps it a log whatever it holds.
private let logPath: String = {
    var info = stat()
    let directory = stat("/dev/shm", &info) == 0 ? "/dev/shm" : "/tmp"
    return "\(directory)/xmppscope-fuzz-log-\(getpid()).jsonl"
}()

/// Written again and read back, a record keeps what filters and stats look at.
private func checkRoundTrip(_ record: Record) {
    var line: [UInt8] = []
    JSONLinesWriter.encode(record, into: &line)
    let again: Record
    do {
        again = try line.withUnsafeBufferPointer { try RecordDecoder.decode($0) }
    } catch {
        fatalError("a record read from a log does not read back once written (\(error)): \(String(decoding: line, as: UTF8.self))")
    }
    precondition(again.seq == record.seq && again.connection == record.connection && again.event == record.event
                 && again.direction == record.direction && again.kind == record.kind && again.type == record.type
                 && again.id == record.id && again.from == record.from && again.to == record.to
                 && again.namespaces == record.namespaces && again.requestSeq == record.requestSeq
                 && again.unanswered == record.unanswered,
                 "a record changed when written and read back: \(String(decoding: line, as: UTF8.self))")
}

/// The program's entry point (see ``runLibFuzzer(_:_:_:)``).
@_cdecl("FuzzJSONL_main")
public func fuzzJSONLMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzzJSONL)
}
