import XMPPCore
import XMPPInspect

/// The XSF registry for the page's labels (the whole table, about 70 KB: the live view cannot
/// know its namespaces in advance):
/// `{"jabber:iq:roster":{"label":"roster","spec":"RFC 6121","title":"…"},…}`, sorted by namespace.
enum ReportNamespaceTable {
    static let json: [UInt8] = {
        var out: [UInt8] = [UInt8(ascii: "{")]
        var first = true
        for (namespace, info) in NamespaceRegistry.all.sorted(by: { $0.key < $1.key }) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            JSONLinesWriter.appendString(namespace, to: &out)
            out.append(contentsOf: #":{"label":"#.utf8)
            JSONLinesWriter.appendString(info.label, to: &out)
            out.append(contentsOf: #","spec":"#.utf8)
            JSONLinesWriter.appendString(info.spec, to: &out)
            out.append(contentsOf: #","title":"#.utf8)
            JSONLinesWriter.appendString(info.title, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "}"))
        return out
    }()
}
