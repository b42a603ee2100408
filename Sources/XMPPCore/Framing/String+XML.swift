import XMPPBase

/// XML text helpers for the framer and the libxml2 bridge.
extension String {
    func trimmingTrailingNewlines() -> String {
        var result = self
        while result.last == "\n" || result.last == "\r" { result.removeLast() }
        return result
    }

    /// Attribute values from libxml2's SAX2 callback keep `&` as `&#38;` (libxml2 decodes other
    /// references itself; XML_PARSE_NOENT, which would change that, must stay off).
    func unescapingXMLEntities() -> String {
        guard contains("&") else { return self }
        var result = ""
        var rest = self[...]
        while let ampersand = rest.firstIndex(of: "&") {
            result += rest[..<ampersand]
            guard let semicolon = rest[ampersand...].firstIndex(of: ";") else { break }
            let entity = rest[rest.index(after: ampersand)..<semicolon]
            switch entity {
            case "lt": result += "<"
            case "gt": result += ">"
            case "amp": result += "&"
            case "quot": result += "\""
            case "apos": result += "'"
            default:
                var scalar: Unicode.Scalar?
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    scalar = UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
                } else if entity.hasPrefix("#") {
                    scalar = UInt32(entity.dropFirst(), radix: 10).flatMap(Unicode.Scalar.init)
                }
                if let scalar { result.unicodeScalars.append(scalar) } else { result += rest[ampersand...semicolon] }
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        result += rest
        return result
    }

    /// A cheap first look at a C string: four to six bytes, at least three of them from `xmlns`.
    static func mayBeMisspeltXMLNS(_ name: UnsafePointer<UInt8>) -> Bool {
        var length = 0
        var matches = 0
        while name[length] != 0 {
            switch name[length] {
            case UInt8(ascii: "x"), UInt8(ascii: "m"), UInt8(ascii: "l"), UInt8(ascii: "n"), UInt8(ascii: "s"): matches += 1
            default: break
            }
            length += 1
            if length > 6 { return false }
        }
        return length >= 4 && matches >= 3
    }

    /// `cmlns`, `xmnls`, `xlmns`: one edit from `xmlns`, but not `xmlns`.
    var isMisspeltXMLNS: Bool {
        let target = Array("xmlns".utf8)
        let word = Array(utf8)
        guard word != target, abs(word.count - target.count) <= 1 else { return false }
        return word.editDistance(to: target) == 1 || word.isTransposition(of: target)
    }
}
