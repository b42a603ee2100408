import Foundation
import Testing
import XMPPCore
import XMPPBase

@Suite("Namespace and condition tables")
struct TablesTests {
    static let dataDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data")

    @Test("the compiled-in namespace table holds every row of the registry file")
    func namespacesMatchSource() throws {
        let text = try String(contentsOf: Self.dataDirectory.appendingPathComponent("xmpp-namespaces.tsv"), encoding: .utf8)
        let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        #expect(rows.count == 683)
        #expect(NamespaceRegistry.all.count == rows.count)
        for row in rows {
            let info = NamespaceRegistry.info(for: String(row[0]))
            #expect(info?.label == String(row[1]))
            #expect(info?.spec == String(row[2]))
        }
    }

    @Test("lookups give label and spec")
    func lookups() {
        #expect(NamespaceRegistry.info(for: "jabber:iq:roster")?.label == "roster")
        #expect(NamespaceRegistry.info(for: "jabber:iq:roster")?.spec == "RFC 6121")
        #expect(NamespaceRegistry.info(for: "http://jabber.org/protocol/disco#info")?.summary == "disco#info · XEP-0030 Service Discovery")
        #expect(NamespaceRegistry.info(for: "urn:example:nothing") == nil)
    }

    @Test("the condition table holds RFC 6120's 22 stanza, 25 stream and 11 SASL conditions")
    func conditions() throws {
        let text = try String(contentsOf: Self.dataDirectory.appendingPathComponent("xmpp-conditions.tsv"), encoding: .utf8)
        #expect(ConditionRegistry.all.count == text.split(separator: "\n").count - 1)
        #expect(ConditionRegistry.all.filter { $0.kind == .stanza }.count == 22)
        #expect(ConditionRegistry.all.filter { $0.kind == .stream }.count == 25)
        #expect(ConditionRegistry.all.filter { $0.kind == .sasl }.count == 11)
        #expect(ConditionRegistry.info(.stanza, "item-not-found")?.defaultType == "cancel")
    }

    @Test("RFC 3339 timestamps with microseconds, in UTC")
    func timestamps() {
        #expect(Timestamp(seconds: 0, microseconds: 5).rfc3339 == "1970-01-01T00:00:00.000005Z")
        #expect(Timestamp(seconds: 1_764_036_794, microseconds: 123_456).rfc3339 == "2025-11-25T02:13:14.123456Z")
        #expect(Timestamp(microseconds: -1).rfc3339 == "1969-12-31T23:59:59.999999Z")
    }
}
