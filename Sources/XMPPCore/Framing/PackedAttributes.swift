#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A top-level element's attributes as bytes: what libxml2 reported, copied into one run kept
/// after the element's bytes in its storage object (``FramedElementStorage``), so the framer's
/// thread builds no strings and makes no allocation of their own for them. Whoever reads them
/// builds only what it reads — ``value(of:)`` one value, ``unpacked()`` every ``Attribute``.
///
/// Each attribute is four little-endian `UInt32` lengths — name, prefix + 1, namespace + 1 (0 for
/// none), value — followed by those bytes in that order. Values are kept as written (entities
/// not yet replaced).
///
/// A view: valid only inside the closure that hands it out
/// (``FramedElementStorage/withPackedAttributes(_:)``), which owns the bytes.
struct PackedAttributes {
    private let bytes: UnsafeBufferPointer<UInt8>
    /// How many attributes there are.
    let count: Int

    private static let headerSize = 16
    /// The attribute and value ``pack(count:groups:into:)`` looks out for.
    private static let type: StaticString = "type"
    private static let error: StaticString = "error"

    /// The `count` attributes ``pack(count:groups:into:)`` wrote into `bytes`.
    init(bytes: UnsafeBufferPointer<UInt8>, count: Int) {
        self.bytes = bytes
        self.count = count
    }

    /// Packs a start tag's attributes (libxml2's groups of five pointers: local name, prefix,
    /// URI, value start, value end; the names NUL-terminated) into the start of `bytes`, which
    /// grows when it is too short and otherwise keeps its storage from one tag to the next. Says
    /// how many attributes it packed into how many bytes, and whether one of them is `type`
    /// (no prefix or namespace) with the value `error` as reported: the framer builds such an
    /// element whole (``WholeElementSelection/errorType``), and this pass measures every name
    /// and value anyway.
    static func pack(count attributeCount: Int, groups: UnsafeMutablePointer<UnsafePointer<UInt8>?>,
                     into bytes: inout [UInt8]) -> (count: Int, length: Int, errorType: Bool) {
        // One pass: each name's length is measured once, and `bytes` grows (rarely) when the
        // next attribute would not fit.
        var kept = 0
        var cursor = 0
        var errorType = false
        for index in 0..<attributeCount {
            let base = 5 * index
            guard let start = groups[base + 3], let end = groups[base + 4] else { continue }
            let name = groups[base], prefix = groups[base + 1], namespace = groups[base + 2]
            let nameLength = Self.length(name), prefixLength = Self.length(prefix), namespaceLength = Self.length(namespace)
            let valueLength = end - start
            if valueLength == Self.error.utf8CodeUnitCount && nameLength == Self.type.utf8CodeUnitCount
                && prefix == nil && namespace == nil, let name,
               memcmp(name, Self.type.utf8Start, nameLength) == 0, memcmp(start, Self.error.utf8Start, valueLength) == 0 {
                errorType = true
            }
            let next = cursor + Self.headerSize + nameLength + prefixLength + namespaceLength + valueLength
            if bytes.count < next {
                var grown = Array(repeating: UInt8(0), count: max(next, 2 * bytes.count, 256))
                if cursor > 0 {
                    grown.withUnsafeMutableBufferPointer { room in
                        bytes.withUnsafeBufferPointer { kept in room.baseAddress!.update(from: kept.baseAddress!, count: cursor) }
                    }
                }
                bytes = grown
            }
            bytes.withUnsafeMutableBufferPointer { buffer in
                let output = UnsafeMutableRawPointer(buffer.baseAddress! + cursor)
                output.storeBytes(of: UInt32(truncatingIfNeeded: nameLength).littleEndian, as: UInt32.self)
                output.storeBytes(of: UInt32(truncatingIfNeeded: prefix == nil ? 0 : prefixLength + 1).littleEndian, toByteOffset: 4, as: UInt32.self)
                output.storeBytes(of: UInt32(truncatingIfNeeded: namespace == nil ? 0 : namespaceLength + 1).littleEndian, toByteOffset: 8, as: UInt32.self)
                output.storeBytes(of: UInt32(truncatingIfNeeded: valueLength).littleEndian, toByteOffset: 12, as: UInt32.self)
                var at = Self.headerSize
                if let name { (output + at).copyMemory(from: name, byteCount: nameLength) }
                at += nameLength
                if let prefix { (output + at).copyMemory(from: prefix, byteCount: prefixLength) }
                at += prefixLength
                if let namespace { (output + at).copyMemory(from: namespace, byteCount: namespaceLength) }
                at += namespaceLength
                (output + at).copyMemory(from: start, byteCount: valueLength)
            }
            cursor = next
            kept += 1
        }
        return (kept, cursor, errorType)
    }

    private static func length(_ name: UnsafePointer<UInt8>?) -> Int {
        guard let name else { return 0 }
        return strlen(UnsafeRawPointer(name).assumingMemoryBound(to: CChar.self))
    }

    /// The value of the attribute with this local name in no namespace, entities replaced.
    func value(of name: String) -> String? {
        var name = name
        return name.withUTF8 { wanted in
            var entries = Entries(bytes)
            while let entry = entries.next() {
                if entry.namespace == nil, entry.name.elementsEqual(wanted) { return Self.string(entry.value) }
            }
            return nil
        }
    }

    /// The values of `type`, `id`, `from` and `to` (in no namespace), entities replaced, in one
    /// pass over the bytes, set in place where they are to go, with no copy of the strings. Each
    /// must be nil on entry (the first of a repeated attribute is kept); an absent one stays nil.
    /// `addresses`: strings lately made for `from` and `to`, used again for the same bytes.
    func stanzaAttributes(type: inout String?, id: inout String?, from: inout String?, to: inout String?,
                          addresses: inout RecentStrings) {
        var entries = Entries(bytes)
        while let entry = entries.next() {
            guard entry.namespace == nil else { continue }
            switch entry.name.count {
            case 2 where entry.name[0] == UInt8(ascii: "i") && entry.name[1] == UInt8(ascii: "d"):
                if id == nil { id = Self.string(entry.value) }
            case 2 where entry.name[0] == UInt8(ascii: "t") && entry.name[1] == UInt8(ascii: "o"):
                if to == nil { to = addresses.string(entry.value, make: Self.string) }
            case 4 where Self.isFourBytes(entry.name, "type"):
                if type == nil { type = Self.string(entry.value) }
            case 4 where Self.isFourBytes(entry.name, "from"):
                if from == nil { from = addresses.string(entry.value, make: Self.string) }
            default:
                break
            }
        }
    }

    /// Every attribute, in document order, values with entities replaced.
    func unpacked() -> [Attribute] {
        var result: [Attribute] = []
        result.reserveCapacity(count)
        var entries = Entries(bytes)
        while let entry = entries.next() {
            result.append(Attribute(
                name: String(decoding: entry.name, as: UTF8.self),
                prefix: entry.prefix.map { String(decoding: $0, as: UTF8.self) },
                namespace: entry.namespace.map { String(decoding: $0, as: UTF8.self) },
                value: Self.string(entry.value)
            ))
        }
        return result
    }

    /// Whether `name` (four bytes long) is `word`: one load and compare, where the generic
    /// `elementsEqual` walks both byte by byte.
    private static func isFourBytes(_ name: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        assert(name.count == 4 && word.utf8CodeUnitCount == 4)
        return UnsafeRawPointer(name.baseAddress!).loadUnaligned(as: UInt32.self)
            == UnsafeRawPointer(word.utf8Start).loadUnaligned(as: UInt32.self)
    }

    private static func string(_ value: UnsafeBufferPointer<UInt8>) -> String {
        let string = String(decoding: value, as: UTF8.self)
        return value.contains(UInt8(ascii: "&")) ? string.unescapingXMLEntities() : string
    }

    private typealias Entry = (
        name: UnsafeBufferPointer<UInt8>, prefix: UnsafeBufferPointer<UInt8>?,
        namespace: UnsafeBufferPointer<UInt8>?, value: UnsafeBufferPointer<UInt8>
    )

    /// The attributes in `packed`, in order: four little-endian lengths (name, prefix + 1 or 0,
    /// namespace + 1 or 0, value), then those bytes.
    private struct Entries {
        private let packed: UnsafeBufferPointer<UInt8>
        private var cursor = 0

        init(_ packed: UnsafeBufferPointer<UInt8>) { self.packed = packed }

        mutating func next() -> Entry? {
            guard let base = packed.baseAddress, cursor < packed.count else { return nil }
            let nameLength = take(base), prefixLength = take(base), namespaceLength = take(base), valueLength = take(base)
            let name = slice(base, nameLength)
            let prefix = prefixLength == 0 ? nil : slice(base, prefixLength - 1)
            let namespace = namespaceLength == 0 ? nil : slice(base, namespaceLength - 1)
            let value = slice(base, valueLength)
            return (name, prefix, namespace, value)
        }

        private mutating func take(_ base: UnsafePointer<UInt8>) -> Int {
            let value = UnsafeRawPointer(base + cursor).loadUnaligned(as: UInt32.self)
            cursor += 4
            return Int(UInt32(littleEndian: value))
        }

        private mutating func slice(_ base: UnsafePointer<UInt8>, _ length: Int) -> UnsafeBufferPointer<UInt8> {
            defer { cursor += length }
            return UnsafeBufferPointer(start: base + cursor, count: length)
        }
    }
}
