import FuzzSupport
import XMPPTransport

/// libFuzzer target for ``KeyLogParser``: arbitrary bytes, fed whole and in pieces the input
/// chooses. Besides crashes it checks that the pieces change nothing (a key log is read as it
/// grows, in whatever pieces the file system gives), that every entry is well-formed, and that
/// problems come in line order and name a line that exists.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKeyLog(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(data, count: count)
    var plan = ChunkPlan(from: &input, count: 4)
    let payload = input.rest

    let whole = read(pieces: [payload])
    let split = read(pieces: plan.split(payload))
    precondition(whole.entries == split.entries, "entries depend on how the key log was split")
    precondition(whole.problems == split.problems, "problems depend on how the key log was split")

    let lines = payload.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count
    var previous = 0
    for problem in whole.problems {
        precondition(problem.line > previous && problem.line <= lines, "problem on line \(problem.line) of \(lines)")
        previous = problem.line
        _ = problem.description
    }
    for entry in whole.entries {
        precondition(entry.clientRandom.count == 32, "a client random of \(entry.clientRandom.count) bytes")
        precondition(entry.label.secretLengths.contains(entry.secret.count), "a secret of \(entry.secret.count) bytes")
    }
    return 0
}

private func read(pieces: [ArraySlice<UInt8>]) -> (entries: [KeyLogEntry], problems: [KeyLogProblem]) {
    var parser = KeyLogParser(source: "fuzz")
    var entries: [KeyLogEntry] = [], problems: [KeyLogProblem] = []
    for piece in pieces {
        parser.feed(piece, entry: { entries.append($0) }, problem: { problems.append($0) })
    }
    parser.finish(entry: { entries.append($0) }, problem: { problems.append($0) })
    return (entries, problems)
}

/// The program's entry point (see ``runLibFuzzer(_:_:_:)``).
@_cdecl("FuzzKeyLog_main")
public func fuzzKeyLogMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzzKeyLog)
}
