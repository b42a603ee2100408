/// Limits the framer enforces on what a peer may send.
///
/// libxml2's push parser has no nesting limit of its own, and a stanza can grow until memory runs
/// out; the framer refuses both early and resynchronises at the next stanza.
public struct FramerLimits: Sendable, Hashable {
    /// The largest top-level element (stanza, nonza or stream header), in bytes.
    public var maxStanzaBytes: Int
    /// The deepest nesting allowed inside a top-level element (the stanza itself is depth 1).
    public var maxDepth: Int

    public init(maxStanzaBytes: Int = 1 << 20, maxDepth: Int = 100) {
        self.maxStanzaBytes = maxStanzaBytes
        self.maxDepth = maxDepth
    }

    /// 1 MiB stanzas (Prosody's default is 256 KiB) and 100 levels.
    public static let `default` = FramerLimits()
}

/// Where something sits in one direction's byte stream.
public struct StreamPosition: Sendable, Hashable, CustomStringConvertible {
    /// Bytes before it in this direction, counting from the first byte the framer saw.
    public var offset: Int
    /// 1-based line, counting every `\n` in this direction.
    public var line: Int
    /// 1-based column, in bytes.
    public var column: Int

    public init(offset: Int, line: Int, column: Int) {
        self.offset = offset
        self.line = line
        self.column = column
    }

    public var description: String { "byte \(offset), line \(line):\(column)" }
}

/// A `<stream:stream>` opening tag.
public struct StreamHeader: Sendable, Hashable {
    /// The header element, without children.
    public var element: Element
    /// The bytes as sent, including any `<?xml?>` declaration before it.
    public var raw: [UInt8]
    /// Where the header starts.
    public var offset: Int

    /// The default namespace of the stream's content: `jabber:client`, `jabber:server`, `jabber:component:accept`.
    public var contentNamespace: String? {
        element.namespaceDeclarations.first { $0.prefix == nil }?.uri
    }
}

extension Element {
    /// Parses one top-level element's XML (a stanza as logged) in a `jabber:client` stream; nil
    /// when it is not well-formed.
    public static func parse(_ xml: [UInt8]) -> Element? {
        XMLFramer.parseElement(xml, header: [])
    }

    /// Parses a stream header as logged (`<?xml?>` and an open `<stream:stream …>` tag).
    public static func parseStreamHeader(_ xml: [UInt8]) -> Element? {
        let framer = XMLFramer()
        var header: Element?
        framer.feed(xml) { event in
            if case .streamOpened(let opened) = event, header == nil { header = opened.element }
        }
        return header
    }
}

/// A complete top-level element: a stanza (`iq`, `message`, `presence`) or a nonza.
public struct FramedElement: Sendable, Hashable {
    /// The element; with ``XMLFramer/Content/topLevel`` only the element itself, no children.
    public var element: Element
    /// The bytes as sent, from its `<` to the end of its end tag.
    public var raw: [UInt8]
    /// Where its `<` is.
    public var offset: Int
    /// Every namespace the element and its descendants are in, its own first, in first-seen order.
    public var namespaces: [String]
    /// Whether `element` holds the whole tree.
    public var isComplete: Bool
    /// The stream header the element was parsed under (for its namespace declarations).
    var header: [UInt8]

    /// The whole tree: `element`, or parsed again from `raw` when only the top was kept.
    public func completeElement() -> Element {
        if isComplete { return element }
        return XMLFramer.parseElement(raw, header: header) ?? element
    }
}

/// A construct RFC 6120 §11.1 forbids in an XMPP stream.
public enum RestrictedConstruct: Sendable, Hashable {
    case documentTypeDeclaration(name: String)
    case entityReference(name: String)
    case comment
    case processingInstruction(target: String)

    var description: String {
        switch self {
        case .documentTypeDeclaration(let name):
            return name.isEmpty ? "a DOCTYPE or ENTITY declaration" : "a DOCTYPE declaration (<!DOCTYPE \(name)>)"
        case .entityReference(let name): return "a reference to an undeclared entity (&\(name);)"
        case .comment: return "an XML comment"
        case .processingInstruction(let target):
            return target.isEmpty ? "a processing instruction" : "a processing instruction (<?\(target)?>)"
        }
    }
}

/// Why the framer could not decode part of a stream.
public enum FramerErrorKind: Sendable, Hashable {
    /// libxml2 found the bytes not well-formed; its message.
    case malformed(String)
    /// A namespace problem libxml2 recovers from (an unbound prefix, say); decoding goes on.
    case namespace(String)
    /// A forbidden construct (RFC 6120 §11.1).
    case restricted(RestrictedConstruct)
    /// A top-level element grew past `FramerLimits.maxStanzaBytes`.
    case stanzaTooLarge(limit: Int)
    /// Nesting went past `FramerLimits.maxDepth`.
    case tooDeep(limit: Int)
    /// Bytes missing from the capture cut an element.
    case cutByGap(missing: Int)
    /// The data ended inside an element.
    case unfinished
    /// The stream was joined after it began (a capture started mid-connection): the bytes before
    /// the first stanza start could not be framed.
    case joinedMidStream
    /// Bytes after a gap, before the next stanza start, could not be framed.
    case afterGap
    /// An attribute name one letter off `xmlns` (`cmlns`, `xmnls`): the payload is not in the namespace meant.
    case misspeltNamespaceDeclaration(attribute: String, element: String)
}

/// A decoding error with its position and the bytes that could not be decoded.
public struct FramerError: Error, Sendable, Hashable, CustomStringConvertible {
    public var kind: FramerErrorKind
    /// Where the parser was when it found the problem.
    public var position: StreamPosition
    /// The bytes skipped to resynchronise (the broken element and anything up to the next stanza
    /// start), at most `FramerError.keptSkippedBytes` of them.
    public var skipped: [UInt8]
    /// How many bytes were skipped in all.
    public var skippedCount: Int

    /// How many skipped bytes an error keeps for display.
    public static let keptSkippedBytes = 64 * 1024

    public init(kind: FramerErrorKind, position: StreamPosition, skipped: [UInt8] = [], skippedCount: Int = 0) {
        self.kind = kind
        self.position = position
        self.skipped = skipped
        self.skippedCount = skippedCount
    }

    /// The RFC 6120 stream error condition that fits, as a server would answer it.
    public var condition: String {
        switch kind {
        case .malformed, .unfinished, .cutByGap: return "not-well-formed"
        case .joinedMidStream, .afterGap: return "joined-mid-stream"
        case .namespace, .misspeltNamespaceDeclaration: return "invalid-namespace"
        case .restricted: return "restricted-xml"
        case .stanzaTooLarge, .tooDeep: return "policy-violation"
        }
    }

    /// Whether decoding went on without skipping anything.
    public var isRecoverable: Bool {
        switch kind {
        case .namespace, .misspeltNamespaceDeclaration: return true
        default: return false
        }
    }

    /// A sentence a user can act on.
    public var message: String {
        switch kind {
        case .malformed(let text):
            return "not well-formed XML: \(text)"
        case .namespace(let text):
            return "namespace error: \(text)"
        case .restricted(let construct):
            return "\(construct.description) is not allowed in XMPP (RFC 6120 §11.1)"
        case .stanzaTooLarge(let limit):
            return "element larger than \(limit) bytes; raise --max-stanza-size to decode it"
        case .tooDeep(let limit):
            return "elements nested deeper than \(limit) levels; raise --max-depth to decode them"
        case .cutByGap(let missing):
            return "element cut by \(missing) bytes missing from the capture"
        case .unfinished:
            return "the data ended inside an element"
        case .joinedMidStream:
            return "the capture began after this stream did: bytes before the first stanza start were skipped"
        case .afterGap:
            return "bytes after a gap in the capture, before the next stanza start, were skipped"
        case .misspeltNamespaceDeclaration(let attribute, let element):
            return "attribute '\(attribute)' on <\(element)> looks like a misspelt 'xmlns': the element is not in the namespace meant"
        }
    }

    public var description: String { "\(position): \(message)" }
}

/// What the framer reports, in stream order.
public enum FramerEvent: Sendable, Hashable {
    case streamOpened(StreamHeader)
    case element(FramedElement)
    /// `</stream:stream>` (as written), at this offset.
    case streamClosed(offset: Int, raw: [UInt8])
    case error(FramerError)
}
