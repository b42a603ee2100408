import XMPPCore

/// `ns == roster`, `ns == disco#info`, `ns == XEP-0030`: a namespace by URI, registry label or spec.
enum NamespaceAliases {
    static func matches(_ namespace: String, _ target: String) -> Bool {
        if namespace == target { return true }
        guard let info = NamespaceRegistry.info(for: namespace) else { return false }
        if info.label == target || info.spec == target { return true }
        // "XEP-30", "xep-0030", "RFC6121" are accepted for the spec.
        let normalized = target.uppercased().filter { $0 != " " }
        let spec = info.spec.uppercased().filter { $0 != " " }
        if normalized == spec { return true }
        if normalized.hasPrefix("XEP-"), let number = Int(normalized.dropFirst(4)), spec == "XEP-" + fourDigits(number) { return true }
        return false
    }
}

private func fourDigits(_ number: Int) -> String {
    let digits = String(number)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
