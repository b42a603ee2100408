public import XMPPCore
import XMPPBase

/// Reads the error out of a stanza, a stream error, or a SASL/TLS failure.
public enum ErrorDecoder {
    /// The error a top-level element carries, if any.
    public static func decode(_ element: Element) -> ErrorInfo? {
        if element.name == "error" && element.namespace == XMPPNamespace.streams {
            return conditionAndText(of: element, conditionNamespace: XMPPNamespace.streamErrors, source: .stream)
        }
        if element.name == "failure" && element.namespace == XMPPNamespace.sasl {
            return conditionAndText(of: element, conditionNamespace: XMPPNamespace.sasl, source: .sasl)
        }
        if element.name == "failure" && element.namespace == XMPPNamespace.tls {
            return ErrorInfo(source: .tls, condition: "failure", text: "the server refused STARTTLS")
        }
        guard element[attribute: "type"] == "error", XMPPNamespace.isStanzaContent(element.namespace) else { return nil }
        guard let error = element.firstChild("error") else {
            return ErrorInfo(source: .stanza, text: "type='error' without an <error/> child")
        }
        var info = conditionAndText(of: error, conditionNamespace: XMPPNamespace.stanzas, source: .stanza)
        info.type = error[attribute: "type"]
        info.code = error[attribute: "code"]
        if info.condition == nil, let code = info.code {
            // XEP-0086: legacy codes, for errors from before RFC 3920.
            info.condition = legacyConditions[code]
            if info.text == nil {
                let text = error.text.trimmingCharacters(in: " \n\r\t")
                if !text.isEmpty { info.text = text }
            }
        }
        return info
    }

    private static func conditionAndText(of element: Element, conditionNamespace: String, source: ErrorInfo.Source) -> ErrorInfo {
        var info = ErrorInfo(source: source)
        for child in element.elements {
            if child.namespace == conditionNamespace {
                if child.name == "text" {
                    info.text = child.text
                } else if info.condition == nil {
                    info.condition = child.name
                }
            } else if info.applicationCondition == nil {
                info.applicationCondition = "{\(child.namespace ?? "")}\(child.name)"
            }
        }
        return info
    }

    /// XEP-0086's mapping of legacy codes to conditions (the first listed for each code).
    static let legacyConditions: [String: String] = [
        "302": "redirect", "400": "bad-request", "401": "not-authorized", "402": "payment-required",
        "403": "forbidden", "404": "item-not-found", "405": "not-allowed", "406": "not-acceptable",
        "407": "registration-required", "408": "remote-server-timeout", "409": "conflict",
        "500": "internal-server-error", "501": "feature-not-implemented", "502": "service-unavailable",
        "503": "service-unavailable", "504": "remote-server-timeout", "510": "service-unavailable",
    ]
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        var slice = self[...]
        while let first = slice.first, characters.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, characters.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
