public import XMPPCore
public import XMPPBase
#if canImport(Glibc)
import Glibc
#endif

/// A record as checks see it: the record, its top element's attributes, and its whole element
/// tree, built at most once and only when a check asks for it (most records never need it).
/// The runner reuses one for every record, pointing it at the record in hand for the duration of
/// one check: a check must not keep it past ``Check/examine``.
public final class CheckedRecord {
    /// The record in hand: the runner's own, borrowed in place (it is not copied in and out: a
    /// record is a few hundred bytes) between ``check(_:framed:_:)``'s start and end.
    private var current: UnsafePointer<Record>?
    /// What the framer made of the element, where it kept only the top (children counted, tree
    /// built again on demand from the bytes); nil for records read from a log.
    private var framed: FramedElement?
    private var built: Element??
    /// Builds the trees the framer did not keep.
    private let treeParser = ElementTreeParser()

    init() {}

    /// The record being checked.
    public var record: Record {
        unsafeAddress {
            guard let current else { preconditionFailure("a CheckedRecord was read outside a check") }
            return current
        }
    }

    /// Points this at `record` while `body` runs, then at nothing.
    func check<Result>(_ record: inout Record, framed: FramedElement?, _ body: () -> Result) -> Result {
        withUnsafePointer(to: &record) { pointer in
            current = pointer
            self.framed = framed
            defer {
                current = nil
                self.framed = nil
                // Most records never build the tree: emptying an empty one still cost a call to
                // destroy it.
                if case .some = built { built = nil }
            }
            return body()
        }
    }

    /// The whole element tree (the stream header for `stream-open`), or nil when it cannot be had.
    public var element: Element? {
        if let built { return built }
        let element: Element?
        if let tree = record.element {
            // The record stage builds a record's tree whole (redacted where it holds credentials).
            element = tree
        } else if let framed {
            element = framed.completeElement(using: treeParser)
        } else if let xml = record.xmlBytes {
            // A redacted element keeps its attributes and structure; only secret text is replaced.
            element = record.event == .streamOpen ? Element.parseStreamHeader(xml) : Element.parse(xml)
        } else {
            element = nil
        }
        built = .some(element)
        return element
    }

    /// An attribute of the top element (in no namespace), without building the tree.
    public subscript(attribute name: String) -> String? {
        if let tree = record.element { return tree[attribute: name] }
        if let framed {
            // The record stage copied these four from the same attributes.
            switch name {
            case "type": return record.type
            case "id": return record.id
            case "from": return record.from
            case "to": return record.to
            default: return framed[attribute: name]
            }
        }
        return element?[attribute: name]
    }

    /// How many child elements the top element has, without building the tree where the framer counted.
    public var childCount: Int {
        if let framed { return framed.childCount }
        return element.map { Array($0.elements).count } ?? 0
    }

    /// Shorthands for the record's fields.
    public var seq: Int { record.seq }
    public var direction: Direction { record.direction }
    public var event: Record.Event { record.event }
    public var kind: String? { record.kind }
    public var type: String? { record.type }
    public var id: String? { record.id }
    public var from: String? { record.from }
    public var to: String? { record.to }

    /// Whether this is an iq, message or presence (not a follow-up of an unanswered request).
    public var isStanza: Bool { record.event == .stanza && !record.unanswered }
    /// Whether this is a top-level element that is not a stanza, in `namespace`, named `name`.
    public func isNonza(_ name: String, _ namespace: String) -> Bool {
        record.event == .nonza && record.kind == name && record.namespaces.first == namespace
    }
    /// Whether the top element may have a child with this local name (in any namespace or
    /// prefix): false when the framer's marks rule it out (``ChildNameMarks``); for a record
    /// read from a log, whether its bytes hold the name at all.
    public func mayHaveChild(_ name: StaticString) -> Bool {
        if let framed { return framed.childNames.mayHave(name) }
        return rawContains(name)
    }

    /// Whether two or more of the top element's children may have this local name (see
    /// ``mayHaveChild(_:)``; from a log, whether the bytes hold the name twice).
    public func mayHaveSeveralChildren(_ name: StaticString) -> Bool {
        if let framed { return framed.childNames.mayHaveSeveral(name) }
        return rawContains(name, atLeast: 2)
    }

    /// Whether the raw XML contains `needle` (a cheap test before building the tree).
    public func rawContains(_ needle: StaticString) -> Bool {
        record.withXMLBytes { $0.containsBytes(needle) } ?? (record.element != nil)
    }

    /// Whether the raw XML contains `needle` at least `count` times (a cheap test before building
    /// the tree: two `<body` are needed for two bodies).
    public func rawContains(_ needle: StaticString, atLeast count: Int) -> Bool {
        record.withXMLBytes { $0.countBytes(needle, upTo: count) >= count } ?? (record.element != nil)
    }

    /// Calls `body` with the bytes between `<name>` and the next `<` when the raw XML has
    /// `<name>` exactly once (no attributes, no prefix): a simple element's text read without
    /// building the tree. Nil when the element is written any other way or more than once: build
    /// the tree then. The buffer is valid only inside `body`.
    public func withRawSimpleText<Result>(_ openTag: StaticString, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
        record.withXMLBytes { bytes -> Result? in
            guard bytes.countBytes(openTag, upTo: 2) == 1, let start = bytes.firstOffset(of: openTag) else { return nil }
            let textStart = start + openTag.utf8CodeUnitCount
            let end = bytes[textStart...].firstIndex(of: UInt8(ascii: "<")) ?? bytes.endIndex
            return body(UnsafeBufferPointer(rebasing: bytes[textStart..<end]))
        } ?? nil
    }

    /// How findings name this record: `iq get #12 (id 'r1')`.
    public var label: String {
        var text: String
        switch record.event {
        case .stanza, .nonza, .streamError:
            text = "<\(record.kind ?? "?")"
            if let type = record.type { text += " type='\(type)'" }
            if let id = record.id { text += " id='\(id)'" }
            text += "> #\(record.seq)"
        case .streamOpen:
            text = "stream header #\(record.seq)"
        case .streamClose:
            text = "</stream:stream> #\(record.seq)"
        default:
            text = "\(record.event.rawValue) #\(record.seq)"
        }
        return text
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// Whether these bytes contain `needle`'s UTF-8 bytes.
    func containsBytes(_ needle: StaticString) -> Bool {
        firstOffset(of: needle) != nil
    }

    /// How many times `needle` occurs (not overlapping), counting no further than `limit`.
    func countBytes(_ needle: StaticString, upTo limit: Int) -> Int {
        var count = 0
        var from = 0
        while count < limit, let offset = firstOffset(of: needle, from: from) {
            count += 1
            from = offset + needle.utf8CodeUnitCount
        }
        return count
    }

    /// Where `needle`'s UTF-8 bytes first occur at or after `from`, or nil (`memchr` for its first
    /// byte, then `memcmp`: both vectorised in the C library).
    func firstOffset(of needle: StaticString, from: Int = 0) -> Int? {
        let length = needle.utf8CodeUnitCount
        guard length > 0 else { return from }
        guard from >= 0, length <= count - from, let base = baseAddress else { return nil }
        let first = Int32(needle.utf8Start.pointee)
        var index = from
        let last = count - length
        while index <= last {
            guard let hit = memchr(base + index, first, last - index + 1) else { return nil }
            let offset = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if memcmp(base + offset, needle.utf8Start, length) == 0 { return offset }
            index = offset + 1
        }
        return nil
    }
}
