import Foundation
import Testing
import XMPPTransport
@testable import XMPPInspect

/// Key log files as the command line gives them: read whole for a replay, read again as they grow
/// for a live source, problems reported by file and line and bounded.
@Suite("Key log files")
struct KeyLogFilesTests {
    private let randomA = String(repeating: "ab", count: 32)
    private let randomB = String(repeating: "cd", count: 32)
    private let secret48 = String(repeating: "11", count: 48)

    private func temporaryFile(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("xmppscope-keylog-\(UUID().uuidString).txt").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func bytes(_ hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return result
    }

    @Test("a replay reads every file whole; a malformed line is reported with file and line, the rest used")
    func readsWhole() throws {
        let first = try temporaryFile("# comment\nCLIENT_RANDOM \(randomA) \(secret48)\nCLIENT_RANDOM nothex \(secret48)\n")
        let second = try temporaryFile("CLIENT_RANDOM \(randomB) \(secret48)")   // no final newline
        defer { try? FileManager.default.removeItem(atPath: first); try? FileManager.default.removeItem(atPath: second) }
        var warnings: [String] = []
        let files = try KeyLogFiles(paths: [first, second], mayGrow: false) { warnings.append($0) }
        #expect(files.sessionCount == 2)
        #expect(files.secrets(forClientRandom: bytes(randomA))?[.clientRandom] == bytes(secret48))
        #expect(files.secrets(forClientRandom: bytes(randomB))?[.clientRandom] == bytes(secret48))
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("\(first):3:") == true)
        #expect(warnings.allSatisfy { !$0.contains(secret48) })
    }

    @Test("a live source reads what was appended when a client random is not known yet")
    func growing() throws {
        let path = try temporaryFile("CLIENT_RANDOM \(randomA) \(secret48)\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let files = try KeyLogFiles(paths: [path], mayGrow: true) { _ in }
        #expect(files.secrets(forClientRandom: bytes(randomB)) == nil)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("CLIENT_RANDOM \(randomB) \(secret48)\n".utf8))
        try handle.close()
        #expect(files.secrets(forClientRandom: bytes(randomB))?[.clientRandom] == bytes(secret48))
        #expect(files.sessionCount == 2)

        // A TLS 1.3 client logs its secrets one by one: a known client random gains labels.
        let secret32 = String(repeating: "22", count: 32)
        let more = try #require(FileHandle(forWritingAtPath: path))
        more.seekToEndOfFile()
        more.write(Data("SERVER_HANDSHAKE_TRAFFIC_SECRET \(randomA) \(secret32)\n".utf8))
        try more.close()
        #expect(files.secrets(forClientRandom: bytes(randomA))?[.serverHandshakeTrafficSecret] == bytes(secret32))
    }

    @Test("a key log read whole gives a snapshot that answers as it does; one that may grow gives none")
    func snapshot() throws {
        let path = try temporaryFile("CLIENT_RANDOM \(randomA) \(secret48)\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let files = try KeyLogFiles(paths: [path], mayGrow: false) { _ in }
        let snapshot = try #require(files.snapshot())
        #expect(snapshot.mayGrow == false)
        #expect(snapshot.secrets(forClientRandom: bytes(randomA))?[.clientRandom] == bytes(secret48))
        #expect(snapshot.secrets(forClientRandom: bytes(randomB)) == nil)
        let growing = try KeyLogFiles(paths: [path], mayGrow: true) { _ in }
        #expect(growing.snapshot() == nil)
    }

    @Test("a missing file is an error naming it; an empty or binary file is a warning, bounded")
    func badFiles() throws {
        #expect(throws: InputError.self) { try KeyLogFiles(paths: ["/nonexistent/keys.txt"], mayGrow: false) { _ in } }
        let empty = try temporaryFile("")
        var binaryText = ""
        for line in 0..<50 { binaryText += "\u{1}\u{2}garbage \(line)\n" }
        let binary = try temporaryFile(binaryText)
        defer { try? FileManager.default.removeItem(atPath: empty); try? FileManager.default.removeItem(atPath: binary) }
        var warnings: [String] = []
        _ = try KeyLogFiles(paths: [empty], mayGrow: false) { warnings.append($0) }
        #expect(warnings == ["\(empty) holds no TLS secrets (expected lines like 'CLIENT_RANDOM <64 hex> <96 hex>'): nothing can be decrypted with it"])
        warnings = []
        _ = try KeyLogFiles(paths: [binary], mayGrow: false) { warnings.append($0) }
        // Ten lines named, one that says there are more, one that says nothing is usable.
        #expect(warnings.count == KeyLogFiles.problemsShownPerFile + 2)
        #expect(warnings.filter { $0.hasPrefix("\(binary):") }.count == KeyLogFiles.problemsShownPerFile + 1)
    }
}
