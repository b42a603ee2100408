#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A start tag as libxml2's SAX2 callback reports it: names interned in libxml2's dictionary,
/// attributes as pointers into its buffer. Valid only during the callback; every accessor builds
/// what it returns, so a caller pays only for what it reads.
struct StartTag {
    let localName: UnsafePointer<UInt8>?
    let prefixName: UnsafePointer<UInt8>?
    let uri: UnsafePointer<UInt8>?
    let namespaceCount: Int
    /// Pairs of (prefix, URI).
    let namespaces: UnsafeMutablePointer<UnsafePointer<UInt8>?>?
    let attributeCount: Int
    /// Groups of five: local name, prefix, URI, value start, value end.
    let attributes: UnsafeMutablePointer<UnsafePointer<UInt8>?>?
    unowned(unsafe) let names: InternedNames

    var name: String? { names.string(localName) }
    var prefix: String? { names.string(prefixName) }
    var namespace: String? { names.string(uri) }
    /// The namespace's identity in libxml2's dictionary: equal pointers, equal namespaces.
    var namespaceIdentity: UnsafeRawPointer? { UnsafeRawPointer(uri) }

    /// The namespace declarations on this tag.
    func namespaceDeclarations() -> [NamespaceDeclaration] {
        guard namespaceCount > 0, let namespaces else { return [] }
        var result: [NamespaceDeclaration] = []
        result.reserveCapacity(namespaceCount)
        for index in 0..<namespaceCount {
            let prefix = names.string(namespaces[2 * index])
            let uri = names.string(namespaces[2 * index + 1]) ?? ""
            result.append(NamespaceDeclaration(prefix: prefix, uri: uri))
        }
        return result
    }

    /// The attributes, values unescaped.
    func makeAttributes() -> [Attribute] {
        guard attributeCount > 0, let attributes else { return [] }
        var result: [Attribute] = []
        result.reserveCapacity(attributeCount)
        for index in 0..<attributeCount {
            let base = 5 * index
            guard let start = attributes[base + 3], let end = attributes[base + 4] else { continue }
            let bytes = UnsafeBufferPointer(start: start, count: end - start)
            let value = String(decoding: bytes, as: UTF8.self)
            result.append(Attribute(
                name: names.string(attributes[base]) ?? "",
                prefix: names.string(attributes[base + 1]),
                namespace: names.string(attributes[base + 2]),
                value: bytes.contains(UInt8(ascii: "&")) ? value.unescapingXMLEntities() : value
            ))
        }
        return result
    }

    /// Whether an unprefixed attribute may be a misspelt `xmlns`: the cheap test, on bytes, that
    /// ``misspeltNamespaceDeclarations()`` makes of each name before building a string; asked of
    /// every tag, so it builds no array when (as almost always) none may be.
    var mayHaveMisspeltNamespaceDeclaration: Bool {
        (0..<max(attributeCount, 0)).contains { possiblyMisspeltName(at: $0) != nil }
    }

    /// Unprefixed attributes named like a misspelt `xmlns` (`cmlns`, `xmnls`): looks at the names
    /// only, without building strings for the others.
    func misspeltNamespaceDeclarations() -> [String] {
        var result: [String] = []
        for index in 0..<max(attributeCount, 0) {
            guard let attributeName = possiblyMisspeltName(at: index) else { continue }
            let name = String(cString: attributeName)
            if name.isMisspeltXMLNS { result.append(name) }
        }
        return result
    }

    /// The name of attribute `index` when it has no prefix and passes the byte test
    /// (``String/mayBeMisspeltXMLNS(_:)``); nil otherwise.
    @inline(__always)
    private func possiblyMisspeltName(at index: Int) -> UnsafePointer<UInt8>? {
        guard let attributes, attributes[5 * index + 1] == nil, let name = attributes[5 * index],
              String.mayBeMisspeltXMLNS(name) else { return nil }
        return name
    }

    /// Whether an attribute without prefix or namespace named `name` has exactly `value` as
    /// libxml2 reports it (character references and predefined entities replaced, but for `&`,
    /// kept as `&#38;`): compared as bytes, building no string, the value's length first (asked
    /// of top-level elements whose attributes are not packed: ``WholeElementSelection``).
    func hasUnprefixedAttribute(_ name: StaticString, equalTo value: StaticString) -> Bool {
        guard let attributes else { return false }
        let length = value.utf8CodeUnitCount
        for index in 0..<max(attributeCount, 0) {
            let base = 5 * index
            guard let start = attributes[base + 3], let end = attributes[base + 4], end - start == length,
                  attributes[base + 1] == nil, attributes[base + 2] == nil, let attributeName = attributes[base],
                  strcmp(attributeName, name.utf8Start) == 0 else { continue }
            return memcmp(start, value.utf8Start, length) == 0
        }
        return false
    }
}
