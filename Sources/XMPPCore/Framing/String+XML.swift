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
    /// It runs on every attribute of every element: names shorter than four bytes (`id`, `to`)
    /// are turned away after three loads, and each letter is counted with one bit test (`x`, `m`,
    /// `l`, `n` and `s` are bits of a mask over the lowercase block 0x60–0x7F).
    static func mayBeMisspeltXMLNS(_ name: UnsafePointer<UInt8>) -> Bool {
        guard name[0] != 0, name[1] != 0, name[2] != 0, name[3] != 0 else { return false }
        let letters: UInt32 = 1 << (0x78 - 0x60) | 1 << (0x6D - 0x60) | 1 << (0x6C - 0x60) | 1 << (0x6E - 0x60) | 1 << (0x73 - 0x60)
        var length = 0
        var matches: UInt32 = 0
        while name[length] != 0 {
            let byte = name[length]
            if byte & 0xE0 == 0x60 { matches &+= letters >> UInt32(byte & 0x1F) & 1 }
            length += 1
            if length > 6 { return false }
        }
        return matches >= 3
    }

    /// `cmlns`, `xmnls`, `xlmns`: one edit from `xmlns`, but not `xmlns`.
    var isMisspeltXMLNS: Bool {
        let target = Array("xmlns".utf8)
        let word = Array(utf8)
        guard word != target, abs(word.count - target.count) <= 1 else { return false }
        return word.editDistance(to: target) == 1 || word.isTransposition(of: target)
    }
}
