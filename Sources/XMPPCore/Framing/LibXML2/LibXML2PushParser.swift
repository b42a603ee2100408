internal import CLibXML2

/// The bridge to libxml2's push (SAX2) parser, and the only code that sees its C API: one parser
/// context fed chunk by chunk, its callbacks turned into ``XMLEventConsumer`` calls with Swift
/// values. The parser never fetches anything (`XML_PARSE_NONET`) and the consumer refuses DTDs,
/// entities, comments and processing instructions as they are reported.
///
/// One instance per parser context; the framer it reports to must outlive it.
final class LibXML2PushParser {
    /// The value ``consumed`` has once libxml2 has halted the parser: its cursor is unknown.
    static let unknownPosition = UInt.max

    private var context: xmlParserCtxtPtr?
    /// The framer, through its ``XMLEventConsumer`` methods. Not retained (it outlives the
    /// parser), nor retained for a call: a callback borrows it (``withConsumer(_:)``). Held by
    /// its concrete type because `Unmanaged` takes no existential.
    private let unretainedConsumer: Unmanaged<XMLFramer>
    private let names: InternedNames

    /// Initialises libxml2 once per process (idempotent).
    static func initializeLibrary() {
        xmppscope_xml_init()
    }

    /// A new parser context reporting to `consumer`; interned names are read through `names`,
    /// and kept in `dictionary` when one is given (else in the context's own).
    init(consumer: XMLFramer, names: InternedNames, dictionary: SharedNameDictionary? = nil) {
        unretainedConsumer = Unmanaged.passUnretained(consumer)
        self.names = names
        var handler = Self.makeSAXHandler()
        let userData = Unmanaged.passUnretained(self).toOpaque()
        guard let context = xmppscope_xml_create_push_parser(&handler, userData, dictionary?.dictionaryForNewContext()) else {
            fatalError("libxml2 could not allocate a parser context")
        }
        Self.setOptions(context)
        self.context = context
    }

    private static func setOptions(_ context: xmlParserCtxtPtr) {
        _ = xmlCtxtUseOptions(context, Int32(XML_PARSE_NONET.rawValue | XML_PARSE_IGNORE_ENC.rawValue))
    }

    /// Makes the context ready for a new document (the next stream, the next BOSH body) as a new
    /// context would be, keeping its tables and its dictionary; the input buffer, which may have
    /// grown to the largest chunk fed, is a new small one. False when libxml2 could not: the
    /// parser is not to be used again.
    func resetForNewDocument() -> Bool {
        guard let context, xmppscope_xml_reset_push_parser(context) == 0 else { return false }
        Self.setOptions(context)
        reportText(true)
        return true
    }

    /// Whether libxml2 reports text (and character data) to the consumer.
    private(set) var reportsText = true

    /// Has libxml2 report text, or not: a framer that keeps only each stanza's top element turns
    /// it off inside the stanza's children, whose text it would drop. libxml2 then skips the
    /// call, and its test of whether blank text is ignorable (both callbacks unset).
    func reportText(_ on: Bool) {
        guard on != reportsText, let handler = context?.pointee.sax else { return }
        reportsText = on
        handler.pointee.characters = on ? Self.charactersCallback : nil
    }

    /// The dictionary the context interns its names in.
    var dictionary: OpaquePointer? { xmppscope_xml_dictionary(context) }

    deinit {
        if let context { xmlFreeParserCtxt(context) }
    }

    /// Parses the next `count` bytes; the consumer hears of what they complete before this returns.
    func parse(_ bytes: UnsafePointer<UInt8>, count: Int) {
        bytes.withMemoryRebound(to: CChar.self, capacity: count) { pointer in
            _ = xmlParseChunk(context, pointer, Int32(count), 0)
        }
    }

    /// Halts the parser from inside a callback: nothing more is reported.
    func stop() {
        xmlStopParser(context)
    }

    /// Bytes of this context's input consumed so far (libxml2's cursor), or ``unknownPosition``
    /// once the parser has halted.
    var consumed: UInt { xmppscope_xml_consumed(context) }

    // MARK: Callbacks

    private func structuredError(_ error: UnsafePointer<xmlError>) {
        let level = error.pointee.level
        let code = error.pointee.code
        if level == XML_ERR_WARNING || code == Int32(XML_ERR_USER_STOP.rawValue) { return }
        let message = error.pointee.message.map { String(cString: $0) }?.trimmingTrailingNewlines() ?? "libxml2 error \(code)"
        let kind: ParserDiagnostic.Code
        switch code {
        case Int32(XML_ERR_TAG_NAME_MISMATCH.rawValue): kind = .tagNameMismatch
        case Int32(XML_ERR_INTERNAL_ERROR.rawValue): kind = .internalError
        default: kind = .other
        }
        withConsumer { $0.parserError(ParserDiagnostic(
            severity: level == XML_ERR_ERROR ? .recoverable : .fatal, code: kind, message: message
        )) }
    }

    /// Calls `body` with the consumer, borrowed for the call.
    @inline(__always)
    private func withConsumer(_ body: (XMLFramer) -> Void) {
        unretainedConsumer._withUnsafeGuaranteedRef(body)
    }

    /// libxml2 copies the handler into each context it creates.
    private static func makeSAXHandler() -> xmlSAXHandler {
        var handler = xmlSAXHandler()
        handler.initialized = UInt32(XML_SAX2_MAGIC)
        // The four callbacks of every element and text reach the parser without retaining it.
        // It outlives each call: libxml2 calls them only from within `parse` or `stop` on this
        // parser, whose caller holds it, and the framer lets go of a parser only once `parse`
        // has returned (a callback sets what to do and stops the parser; it never drops it).
        handler.startElementNs = { context, localName, prefix, uri, namespaceCount, namespaces, attributeCount, _, attributes in
            LibXML2PushParser.withParser(context) { parser in
                let tag = StartTag(
                    localName: localName, prefixName: prefix, uri: uri,
                    namespaceCount: Int(namespaceCount), namespaces: namespaces,
                    attributeCount: Int(attributeCount), attributes: attributes, names: parser.names
                )
                parser.withConsumer { $0.startElement(tag) }
            }
        }
        handler.endElementNs = { context, _, _, _ in
            LibXML2PushParser.withParser(context) { $0.withConsumer { $0.endElement() } }
        }
        handler.characters = charactersCallback
        handler.cdataBlock = { context, bytes, count in
            guard let bytes, count > 0 else { return }
            LibXML2PushParser.withParser(context) { parser in
                parser.withConsumer { $0.characters(UnsafeBufferPointer(start: bytes, count: Int(count))) }
            }
        }
        handler.internalSubset = { context, name, _, _ in
            LibXML2PushParser.from(context).refuse(.documentTypeDeclaration(name: name.map { String(cString: $0) } ?? ""))
        }
        handler.externalSubset = { context, name, _, _ in
            LibXML2PushParser.from(context).refuse(.documentTypeDeclaration(name: name.map { String(cString: $0) } ?? ""))
        }
        handler.entityDecl = { context, name, _, _, _, _ in
            LibXML2PushParser.from(context).refuse(.entityReference(name: name.map { String(cString: $0) } ?? ""))
        }
        handler.getEntity = { context, name in
            LibXML2PushParser.from(context).refuse(.entityReference(name: name.map { String(cString: $0) } ?? ""))
            return nil
        }
        handler.comment = { context, _ in
            LibXML2PushParser.from(context).refuse(.comment)
        }
        handler.processingInstruction = { context, target, _ in
            LibXML2PushParser.from(context).refuse(.processingInstruction(target: target.map { String(cString: $0) } ?? ""))
        }
        handler.serror = { context, error in
            guard let context, let error else { return }
            LibXML2PushParser.from(context).structuredError(error)
        }
        return handler
    }

    /// The text callback (kept to be set again after ``reportText(_:)`` unset it).
    private static let charactersCallback: charactersSAXFunc = { context, bytes, count in
        guard let bytes, count > 0 else { return }
        LibXML2PushParser.withParser(context) { parser in
            parser.withConsumer { $0.characters(UnsafeBufferPointer(start: bytes, count: Int(count))) }
        }
    }

    /// Tells the consumer of a construct it must refuse.
    private func refuse(_ construct: RestrictedConstruct) {
        withConsumer { $0.refuse(construct) }
    }

    private static func from(_ context: UnsafeMutableRawPointer?) -> LibXML2PushParser {
        Unmanaged<LibXML2PushParser>.fromOpaque(context!).takeUnretainedValue()
    }

    /// Calls `body` with the parser behind `context`, not retained for the call.
    @inline(__always)
    private static func withParser(_ context: UnsafeMutableRawPointer?, _ body: (LibXML2PushParser) -> Void) {
        Unmanaged<LibXML2PushParser>.fromOpaque(context!)._withUnsafeGuaranteedRef(body)
    }
}
