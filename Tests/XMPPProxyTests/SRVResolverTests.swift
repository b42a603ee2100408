import Testing
@testable import XMPPProxy

/// A DNS answer message for `name` with these SRV records, as a server sends it (targets
/// compressed against the question name where they share its suffix is not needed: plain labels).
private func answer(_ name: String, _ records: [(priority: UInt16, weight: UInt16, port: UInt16, target: String)]) -> [UInt8] {
    func labels(_ name: String) -> [UInt8] {
        var out: [UInt8] = []
        for label in name.split(separator: ".") {
            out.append(UInt8(label.utf8.count))
            out += Array(label.utf8)
        }
        return out + [0]
    }
    func u16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    var message = u16(0x1234) + u16(0x8180) + u16(1) + u16(UInt16(records.count)) + u16(0) + u16(0)
    message += labels(name) + u16(33) + u16(1)
    for record in records {
        let target = labels(record.target)
        let data = u16(record.priority) + u16(record.weight) + u16(record.port) + target
        message += [0xC0, 0x0C] + u16(33) + u16(1) + [0, 0, 0x0E, 0x10] + u16(UInt16(data.count)) + data
    }
    return message
}

@Suite("SRV lookup")
struct SRVResolverTests {
    @Test("libresolv parses the SRV records of an answer")
    func parsesAnswer() throws {
        let message = answer("_xmpp-client._tcp.example.org", [(10, 60, 5222, "xmpp1.example.org"), (20, 0, 5223, "backup.example.net")])
        let records = try #require(SRVResolver.parse(message))
        #expect(records == [
            SRVRecord(priority: 10, weight: 60, port: 5222, target: "xmpp1.example.org"),
            SRVRecord(priority: 20, weight: 0, port: 5223, target: "backup.example.net"),
        ])
    }

    @Test("a cut-off answer is malformed, not a crash")
    func malformed() {
        let message = answer("_xmpp-client._tcp.example.org", [(10, 60, 5222, "xmpp1.example.org")])
        #expect(SRVResolver.parse(Array(message.dropLast(5))) == nil)
        #expect(SRVResolver.parse([1, 2, 3]) == nil)
    }

    @Test("RFC 2782 order: priority first, then weighted draws")
    func order() {
        let records = [
            SRVRecord(priority: 20, weight: 0, port: 1, target: "c"),
            SRVRecord(priority: 10, weight: 10, port: 1, target: "a"),
            SRVRecord(priority: 10, weight: 90, port: 1, target: "b"),
        ]
        // A draw of 50 of 100 lands in b's share (running sums 10, 100 after zero weights first).
        #expect(SRVResolver.ordered(records, random: { _ in 50 }).map(\.target) == ["b", "a", "c"])
        #expect(SRVResolver.ordered(records, random: { _ in 5 }).map(\.target) == ["a", "b", "c"])
        // Over many draws the heavier record comes first about 90% of the time.
        var generator = SplitMix(seed: 7)
        let firsts = (0..<2000).map { _ in SRVResolver.ordered(records, random: { Int(generator.next() % UInt64($0 + 1)) })[0].target }
        let share = Double(firsts.filter { $0 == "b" }.count) / 2000
        #expect(share > 0.85 && share < 0.95)
    }

    @Test("targets in order, then the domain on the default port; '.' means no service")
    func upstreams() {
        let found = SRVResolver.upstreams(for: "example.org", directTLS: false, defaultPort: 5222) { service in
            #expect(service == "_xmpp-client._tcp.example.org")
            return [SRVRecord(priority: 5, weight: 0, port: 5269, target: "xmpp.example.org.")]
        }
        #expect(found.map(\.description) == ["xmpp.example.org:5269", "example.org:5222"])
        let none = SRVResolver.upstreams(for: "example.org", directTLS: true, defaultPort: 5223) { service in
            #expect(service == "_xmpps-client._tcp.example.org")
            return []
        }
        #expect(none.map(\.description) == ["example.org:5223"])
        let refused = SRVResolver.upstreams(for: "example.org", directTLS: false, defaultPort: 5222) { _ in
            [SRVRecord(priority: 0, weight: 0, port: 0, target: ".")]
        }
        #expect(refused.isEmpty)
    }
}

/// A small seeded generator, so the draw test is the same on every run.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
