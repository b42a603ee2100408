import Foundation
import Synchronization
import Testing
import XMPPTransport
@testable import XMPPInspect
#if canImport(Glibc)
import Glibc
#endif

/// ``RecordSource/readPipelined(_:options:prefilter:keyLog:each:badLine:)``, which `grep`,
/// `stats` and `report` read with: a capture's records are ``RecordSource/read(_:options:prefilter:keyLog:each:badLine:)``'s,
/// in order, delivered on another thread before it returns; a log is read on the caller's thread.
@Suite("Record source: captures replayed on three threads for grep, stats and report")
struct RecordSourcePipelinedTests {
    /// What `readPipelined` delivered: the records' JSON lines and how many came on the caller's thread.
    private struct Delivered {
        var lines: [[UInt8]] = []
        var onCallerThread = 0
    }

    /// `read`'s records of `path`, as JSON lines, and the error it threw.
    private static func read(_ path: String, keyLog: KeyLogFiles?) -> ([[UInt8]], String?) {
        var lines: [[UInt8]] = []
        do {
            try RecordSource.read(path, keyLog: keyLog, each: { lines.append(PipelinedInspectorTests.line($0)) }, badLine: { _ in })
            return (lines, nil)
        } catch {
            return (lines, "\(error)")
        }
    }

    /// `readPipelined`'s records of `path`, where they were delivered, and the error it threw.
    private static func readPipelined(_ path: String, keyLog: TLSSecretsSnapshot?) -> (Delivered, String?) {
        let caller = pthread_self()
        let delivered = Mutex(Delivered())
        var failure: String?
        do {
            try RecordSource.readPipelined(path, keyLog: keyLog, each: { record in
                let line = PipelinedInspectorTests.line(record)
                let here = pthread_equal(pthread_self(), caller) != 0
                delivered.withLock {
                    $0.lines.append(line)
                    if here { $0.onCallerThread += 1 }
                }
            }, badLine: { _ in })
        } catch {
            failure = "\(error)"
        }
        return (delivered.withLock { $0 }, failure)
    }

    @Test("every capture, with its key log: read's records in read's order, none on the caller's thread")
    func sameRecordsAsRead() throws {
        let inputs = PipelinedInspectorTests.inputs
        #expect(inputs.count >= 15)
        var compared = 0
        for input in inputs {
            let files = try PipelinedInspectorTests.keyLog(input)
            let (expected, expectedFailure) = Self.read(input.path, keyLog: files)
            let (delivered, failure) = Self.readPipelined(input.path, keyLog: files?.snapshot())
            #expect(delivered.lines.count == expected.count, "\(input)")
            #expect(delivered.lines == expected, "\(input)")
            #expect(failure == expectedFailure, "\(input)")
            #expect(delivered.onCallerThread == 0, "\(input)")
            compared += delivered.lines.count
        }
        #expect(compared > 1000, "records compared: \(compared)")
    }

    @Test("a capture cut short: the records before the cut, then read's error")
    func cutCapture() throws {
        let whole = try Data(contentsOf: repositoryRoot.appendingPathComponent("captures/c2s-plain.pcap"))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("xmppscope-cut-\(getpid()).pcap").path
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (expected, expectedFailure) = Self.read(path, keyLog: nil)
        let (delivered, failure) = Self.readPipelined(path, keyLog: nil)
        #expect(expectedFailure != nil)
        #expect(failure == expectedFailure)
        #expect(expected.count > 10)
        #expect(delivered.lines == expected)
    }

    @Test("a log: read on the caller's thread, line by line")
    func logOnCallerThread() throws {
        let capture = repositoryRoot.appendingPathComponent("captures/c2s-plain.pcap").path
        let (lines, _) = Self.read(capture, keyLog: nil)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("xmppscope-log-\(getpid()).jsonl").path
        try Data(lines.flatMap { $0 + [0x0A] }).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (expected, _) = Self.read(path, keyLog: nil)
        let (delivered, failure) = Self.readPipelined(path, keyLog: nil)
        #expect(failure == nil)
        #expect(expected.count == lines.count)
        #expect(delivered.lines == expected)
        #expect(delivered.onCallerThread == expected.count)
    }
}
