extension Element {
    /// The element as XML text, with namespace declarations as they were written.
    /// This element's start tag with its namespace declarations only (no attributes): the
    /// namespace scope it opens for what is written inside it.
    var namespaceScopeStartTag: [UInt8] {
        var tag = "<" + qualifiedName
        for declaration in namespaceDeclarations {
            tag += declaration.prefix.map { " xmlns:\($0)='" } ?? " xmlns='"
            tag += declaration.uri.escapedForXMLAttribute + "'"
        }
        return Array((tag + ">").utf8)
    }

    public var xmlString: String {
        var output = ""
        write(to: &output)
        return output
    }

    func write(to output: inout String) {
        output += "<" + qualifiedName
        for declaration in namespaceDeclarations {
            output += declaration.prefix.map { " xmlns:\($0)='" } ?? " xmlns='"
            output += declaration.uri.escapedForXMLAttribute + "'"
        }
        for attribute in attributes {
            output += " " + attribute.qualifiedName + "='" + attribute.value.escapedForXMLAttribute + "'"
        }
        if children.isEmpty {
            output += "/>"
            return
        }
        output += ">"
        for child in children {
            switch child {
            case .element(let element): element.write(to: &output)
            case .text(let text): output += text.escapedForXMLText
            }
        }
        output += "</" + qualifiedName + ">"
    }
}

extension String {
    /// Escapes `&`, `<` and `>` for XML character data.
    public var escapedForXMLText: String {
        // The common case, no character to escape, found on the bytes (a Character test breaks
        // graphemes). A byte `&` inside a longer grapheme leaves the loop's output unchanged.
        guard utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") }) else { return self }
        var result = ""
        for character in self {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            default: result.append(character)
            }
        }
        return result
    }

    /// Escapes for a single-quoted XML attribute value.
    public var escapedForXMLAttribute: String {
        guard utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "'") || $0 == UInt8(ascii: "\"") }) else { return self }
        var result = ""
        for character in self {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case "'": result += "&apos;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }
}
