public import XMPPTransport
#if canImport(Glibc)
import Glibc
#endif

/// The key logs a user gave (`--keylog FILE`, NSS `SSLKEYLOGFILE` format), read for the TLS
/// decoder. A replay reads them whole before it starts; a live source (capture, proxy) reads
/// what was appended each time a session's client random is not known yet, since clients write
/// their secrets during the handshake.
///
/// Malformed lines are reported (with file and line, at most ``problemsShownPerFile`` a file)
/// and skipped; the rest is used. A key log is a secret: nothing of its content is ever printed.
public final class KeyLogFiles: TLSSecretLookup {
    /// Problems reported per file before the rest are only counted.
    public static let problemsShownPerFile = 10

    private struct File {
        var path: String
        var descriptor: Int32
        var parser: KeyLogParser
        var problems = 0
        var entries = 0
    }

    public let mayGrow: Bool
    private var files: [File] = []
    private var store = TLSSecrets()
    private let report: (String) -> Void

    /// Opens every file (throws ``InputError`` if one cannot be read) and reads what each holds.
    /// `report` receives warnings a user should see: malformed lines, a file with no secrets.
    public init(paths: [String], mayGrow: Bool, report: @escaping (String) -> Void) throws(InputError) {
        self.mayGrow = mayGrow
        self.report = report
        for path in paths {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw .cannotRead(path: path, reason: String(cString: strerror(errno))) }
            files.append(File(path: path, descriptor: descriptor, parser: KeyLogParser(source: path)))
        }
        readAppended()
        if !mayGrow {
            for index in files.indices {
                var parser = files[index].parser
                parser.finish(entry: { add($0, index) }, problem: { note($0, index) })
                files[index].parser = parser
                close(files[index].descriptor)
                files[index].descriptor = -1
            }
        }
        for file in files where file.entries == 0 && !mayGrow {
            report("\(file.path) holds no TLS secrets (expected lines like 'CLIENT_RANDOM <64 hex> <96 hex>'): nothing can be decrypted with it")
        }
        finishReporting()
    }

    deinit {
        for file in files where file.descriptor >= 0 { close(file.descriptor) }
    }

    /// Sessions with at least one secret so far.
    public var sessionCount: Int { store.sessionCount }

    /// A live source reads what was appended first: a session's secrets are logged one by one
    /// as its handshake proceeds, so a known client random may still lack the label asked for.
    public func secrets(forClientRandom clientRandom: [UInt8]) -> [KeyLogLabel: [UInt8]]? {
        if mayGrow {
            readAppended()
            finishReporting()
        }
        return store.secrets(forClientRandom: clientRandom)
    }

    /// The secrets read, for decoders on other threads (a pipelined inspector's, or several
    /// inspectors'); nil when the files may still grow (their answers depend on when they are asked).
    public func snapshot() -> TLSSecretsSnapshot? {
        mayGrow ? nil : TLSSecretsSnapshot(store)
    }

    /// Reads whatever each file gained since the last read.
    private func readAppended() {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        for index in files.indices where files[index].descriptor >= 0 {
            while true {
                let count = buffer.withUnsafeMutableBytes { read(files[index].descriptor, $0.baseAddress, $0.count) }
                if count <= 0 { break }
                var parser = files[index].parser
                buffer.withUnsafeBytes { raw in
                    parser.feed(UnsafeRawBufferPointer(rebasing: raw[..<count]), entry: { add($0, index) }, problem: { note($0, index) })
                }
                files[index].parser = parser
            }
        }
    }

    private func add(_ entry: KeyLogEntry, _ index: Int) {
        store.add(entry)
        files[index].entries += 1
    }

    private func note(_ problem: KeyLogProblem, _ index: Int) {
        files[index].problems += 1
        if files[index].problems <= Self.problemsShownPerFile { report(problem.description) }
    }

    private var reportedOverflow: Set<Int> = []

    private func finishReporting() {
        for index in files.indices where files[index].problems > Self.problemsShownPerFile && !reportedOverflow.contains(index) {
            reportedOverflow.insert(index)
            report("\(files[index].path): more malformed lines than these \(Self.problemsShownPerFile) (not shown); is it a key log?")
        }
    }
}
