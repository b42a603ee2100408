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
