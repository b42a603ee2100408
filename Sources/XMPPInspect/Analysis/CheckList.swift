/// `xmppscope check --list`: every check as a table — id, severity, spec — with its rule below.
public enum CheckList {
    public static func render(_ descriptors: [CheckDescriptor]) -> String {
        let idWidth = descriptors.map(\.id.count).max() ?? 0
        var text = "id".padding(idWidth) + "  severity  spec\n"
        for descriptor in descriptors {
            text += descriptor.id.padding(idWidth) + "  " + descriptor.severity.rawValue.padding(8) + "  " + descriptor.spec + "\n"
            text += "".padding(idWidth) + "  " + descriptor.rule + "\n"
        }
        text += "\(descriptors.count) checks (docs/checks.md explains each with an example)\n"
        return text
    }
}
