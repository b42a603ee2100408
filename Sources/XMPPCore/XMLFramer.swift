internal import CLibXML2

/// Turns one direction of an XMPP stream into stream headers, stanzas and nonzas, whatever the
/// chunking of the bytes, over libxml2's push (SAX2) parser.
///
/// The framer keeps the bytes of the element being parsed so each one comes out with its exact
/// raw bytes and offset. It handles stream restarts (a new `<?xml?>` or `<stream:stream>` after
/// STARTTLS or SASL), refuses what RFC 6120 §11.1 forbids, enforces ``FramerLimits``, and after any
/// error resynchronises at the next stanza start it can find. After a `<proceed/>` (TLS) or
/// `<compressed/>` it stops decoding and counts the remaining bytes as ``opaqueBytes``.
///
/// Not thread-safe: one framer per direction, fed from one place.
public final class XMLFramer {
    /// The limits in force.
    public let limits: FramerLimits
    /// The content namespace assumed when a stream is joined after its header (mid-capture).
    public let assumedContentNamespace: String

    /// Bytes seen after decoding stopped for TLS or compression.
    public private(set) var opaqueBytes = 0
    /// Whether decoding stopped for TLS or compression.
    public var isOpaque: Bool { if case .opaque = mode { return true } else { return false } }
    /// Every byte fed or skipped, counting gaps.
    public var totalBytes: Int { windowStart + window.count }

    // MARK: Bytes kept

    /// Bytes from (at most) `boundary` to the end of what was fed; `window[0]` is at `windowStart`.
    private var window: [UInt8] = []
    private var windowStart = 0
    private var windowEnd: Int { windowStart + window.count }
    /// The end of the last complete top-level item: everything before it has been reported.
    private var boundary = 0
    /// How far bytes have been handed to the current libxml2 context.
    private var fedEnd = 0
    /// `\n` count and last `\n` offset before `windowStart`, for line:column.
    private var linesBeforeWindow = 0
    private var lastNewlineBeforeWindow = -1

    // MARK: Parser state

    private enum Mode {
        /// Between streams: waiting to see whether a real header comes.
        case awaitingStart(synthetic: Bool?)
        case parsing
        /// After an error: looking for the next stanza start.
        case hunting
        /// After TLS or compression began.
        case opaque
    }

    private enum Control {
        case restart(at: Int, synthetic: Bool)
        case closed(at: Int)
        case failed(FramerError)
        case opaque(at: Int)
    }

    private var mode: Mode = .awaitingStart(synthetic: nil)
    private var context: xmlParserCtxtPtr?
    /// Absolute offset of byte 0 of the current libxml2 context (a synthetic header sits before the real bytes).
    private var contextBase = 0
    private var contextIsSynthetic = false
    /// Where the current context's own bytes begin.
    private var contextStart = 0
    /// The last real stream header, replayed to give resynchronised stanzas their namespaces.
    private var lastHeaderRaw: [UInt8]?
    /// Open elements in the current context, the root included.
    private var depth = 0
    private var builders: [ElementBuilder] = []
    private var collected: [FramerEvent] = []
    private var control: Control?
    /// The error waiting for the resynchronisation point, and where its skipped bytes start.
    private var pendingError: FramerError?
    private var skippedStart = 0
    private var huntFrom = 0
    /// libxml2 interns names in its dictionary: convert each pointer to a String once.
    private var names: [UnsafePointer<xmlChar>: String] = [:]

    public init(limits: FramerLimits = .default, assumedContentNamespace: String = XMPPNamespace.client) {
        self.limits = limits
        self.assumedContentNamespace = assumedContentNamespace
        xmppscope_xml_init()
    }

    deinit {
        if let context { xmlFreeParserCtxt(context) }
    }

    // MARK: Feeding

    /// Feeds the next bytes of this direction; `emit` receives the events they complete, in order.
    public func feed(_ bytes: UnsafeRawBufferPointer, emit: (FramerEvent) -> Void) {
        guard !bytes.isEmpty else { return }
        if case .opaque = mode {
            opaqueBytes += bytes.count
            windowStart += bytes.count
            boundary = windowStart
            fedEnd = windowStart
            return
        }
        window.append(contentsOf: bytes.bindMemory(to: UInt8.self))
        run(emit)
    }

    /// Convenience for tests and text input.
    public func feed(_ bytes: some Collection<UInt8>, emit: (FramerEvent) -> Void) {
        let array = Array(bytes)
        array.withUnsafeBytes { feed($0, emit: emit) }
    }

    /// Reports that `missing` bytes of this direction were never seen; decoding resumes at the
    /// next stanza start after them.
    public func gap(missing: Int, emit: (FramerEvent) -> Void) {
        if case .opaque = mode {
            windowStart = windowEnd + missing
            window.removeAll(keepingCapacity: true)
            boundary = windowStart
            fedEnd = windowStart
            return
        }
        if case .hunting = mode {
            finishPendingError(upTo: windowEnd, emit: emit)
        } else if let start = firstNonWhitespace(from: boundary) {
            let kept = window[(start - windowStart)...]
            emit(.error(FramerError(
                kind: .cutByGap(missing: missing),
                position: position(at: windowEnd),
                skipped: Array(kept.prefix(FramerError.keptSkippedBytes)),
                skippedCount: kept.count
            )))
        }
        dropContext()
        countNewlines(before: windowEnd)
        windowStart = windowEnd + missing
        window.removeAll(keepingCapacity: true)
        boundary = windowStart
        fedEnd = windowStart
        huntFrom = windowStart
        mode = .hunting
        pendingError = nil
    }

    /// Starts looking for the next stanza start without reporting an error: for a stream joined
    /// after it began (a capture that started mid-connection).
    public func resynchronize() {
        guard case .awaitingStart = mode, windowEnd == windowStart else { return }
        huntFrom = windowStart
        skippedStart = windowStart
        pendingError = FramerError(kind: .joinedMidStream, position: StreamPosition(offset: windowStart, line: 1, column: 1))
        mode = .hunting
    }

    /// Stops decoding: every byte from now on is counted as opaque (TLS or compression began).
    public func switchToOpaque() {
        if case .opaque = mode { return }
        dropContext()
        opaqueBytes += windowEnd - max(boundary, windowStart)
        windowStart = windowEnd
        window.removeAll(keepingCapacity: true)
        boundary = windowStart
        fedEnd = windowStart
        mode = .opaque
    }

    /// The data has ended: reports an element left unfinished.
    public func finish(emit: (FramerEvent) -> Void) {
        switch mode {
        case .hunting:
            finishPendingError(upTo: windowEnd, emit: emit)
        case .parsing, .awaitingStart:
            if let start = firstNonWhitespace(from: boundary) {
                let kept = window[(start - windowStart)...]
                emit(.error(FramerError(
                    kind: .unfinished,
                    position: position(at: windowEnd),
                    skipped: Array(kept.prefix(FramerError.keptSkippedBytes)),
                    skippedCount: kept.count
                )))
            }
        case .opaque:
            return
        }
        dropContext()
        countNewlines(before: windowEnd)
        windowStart = windowEnd
        window.removeAll(keepingCapacity: true)
        boundary = windowStart
        fedEnd = windowStart
        mode = .awaitingStart(synthetic: nil)
    }

    // MARK: The loop

    private func run(_ emit: (FramerEvent) -> Void) {
        while true {
            switch mode {
            case .opaque:
                opaqueBytes += windowEnd - max(boundary, windowStart)
                compact(upTo: windowEnd)
                boundary = windowEnd
                fedEnd = windowEnd
                return

            case .hunting:
                guard let (point, kind) = findResynchronisationPoint(from: huntFrom) else {
                    // Keep a short tail: a stanza start may be split across chunks.
                    huntFrom = max(huntFrom, windowEnd - ResynchronisationPoint.longestToken)
                    keepSkippedBytes(upTo: huntFrom)
                    return
                }
                finishPendingError(upTo: point, emit: emit)
                boundary = point
                fedEnd = point
                switch kind {
                case .streamStart: mode = .awaitingStart(synthetic: false)
                case .stanzaStart: mode = .awaitingStart(synthetic: true)
                case .streamClose(let length):
                    emit(.streamClosed(offset: point, raw: Array("</stream:stream>".utf8)))
                    boundary = point + length
                    fedEnd = boundary
                    mode = .awaitingStart(synthetic: nil)
                }

            case .awaitingStart(let decided):
                guard let start = firstNonWhitespace(from: boundary) else {
                    compact(upTo: windowEnd)
                    boundary = windowEnd
                    fedEnd = windowEnd
                    return
                }
                let synthetic: Bool
                if let decided {
                    synthetic = decided
                } else {
                    guard let looksLikeStream = startsStream(at: start) else { return }
                    synthetic = !looksLikeStream
                }
                boundary = start
                fedEnd = start
                compact(upTo: start)
                startContext(synthetic: synthetic)
                mode = .parsing

            case .parsing:
                if fedEnd >= windowEnd { return }
                parseAvailableBytes()
                for event in collected { emit(event) }
                collected.removeAll(keepingCapacity: true)
                if let control {
                    self.control = nil
                    handle(control, emit: emit)
                } else if !builders.isEmpty || depth == 0 {
                    if fedEnd - boundary > limits.maxStanzaBytes {
                        fail(.stanzaTooLarge(limit: limits.maxStanzaBytes), at: fedEnd, emit: emit)
                    } else {
                        compactIfWorthIt()
                    }
                } else {
                    // Between top-level elements: whatever libxml2 consumed is done with.
                    let cursor = contextCursor()
                    if cursor > boundary {
                        boundary = cursor
                        compactIfWorthIt()
                    }
                }
            }
        }
    }

    /// Hands the next bytes to libxml2, never more than the stanza limit allows past `boundary`.
    private func parseAvailableBytes() {
        let allowedEnd = boundary + limits.maxStanzaBytes + 1
        let end = min(windowEnd, max(allowedEnd, fedEnd + 1))
        let count = end - fedEnd
        let from = fedEnd - windowStart
        fedEnd = end
        window.withUnsafeBufferPointer { buffer in
            let pointer = UnsafeRawPointer(buffer.baseAddress! + from).assumingMemoryBound(to: CChar.self)
            _ = xmlParseChunk(context, pointer, Int32(count), 0)
        }
    }

    private func handle(_ control: Control, emit: (FramerEvent) -> Void) {
        switch control {
        case .restart(let at, let synthetic):
            guard at > contextStart else {
                // No progress: the same bytes would restart the same way.
                fail(.malformed("a stream header that cannot start a stream"), at: at, emit: emit)
                return
            }
            dropContext()
            boundary = at
            fedEnd = at
            mode = .awaitingStart(synthetic: synthetic)
        case .closed(let at):
            dropContext()
            boundary = at
            fedEnd = at
            compact(upTo: at)
            mode = .awaitingStart(synthetic: nil)
        case .failed(let error):
            fail(error, emit: emit)
        case .opaque(let at):
            dropContext()
            opaqueBytes += windowEnd - at
            compact(upTo: windowEnd)
            boundary = windowEnd
            fedEnd = windowEnd
            mode = .opaque
        }
    }

    private func fail(_ kind: FramerErrorKind, at offset: Int, emit: (FramerEvent) -> Void) {
        fail(FramerError(kind: kind, position: position(at: offset)), emit: emit)
    }

    /// Drops the current element and hunts for the next stanza start after its first byte.
    private func fail(_ error: FramerError, emit: (FramerEvent) -> Void) {
        dropContext()
        let start = firstNonWhitespace(from: boundary) ?? boundary
        let itemStart = firstTag(from: start) ?? start
        var error = error
        if case .malformed = error.kind, let construct = restrictedConstruct(at: itemStart) {
            // libxml2 rejects a DOCTYPE, comment or PI between stanzas as plain malformed XML.
            error.kind = .restricted(construct)
        }
        pendingError = error
        skippedStart = start
        huntFrom = min(itemStart + 1, windowEnd)
        mode = .hunting
    }

    /// The RFC 6120 §11.1 construct that starts at `offset`, if one does.
    private func restrictedConstruct(at offset: Int) -> RestrictedConstruct? {
        func starts(_ token: String) -> Bool {
            for (index, expected) in token.utf8.enumerated() where byte(at: offset + index) != expected { return false }
            return true
        }
        if starts("<!DOCTYPE") || starts("<!ENTITY") { return .documentTypeDeclaration(name: "") }
        if starts("<!--") { return .comment }
        if starts("<?") && !starts("<?xml") { return .processingInstruction(target: "") }
        return nil
    }

    /// Emits the pending error with the bytes skipped up to `end`.
    private func finishPendingError(upTo end: Int, emit: (FramerEvent) -> Void) {
        guard var error = pendingError else { return }
        pendingError = nil
        if error.kind == .joinedMidStream && error.skippedCount == 0 && end <= skippedStart { return }
        let from = max(skippedStart, windowStart)
        if end > from {
            let room = FramerError.keptSkippedBytes - error.skipped.count
            if room > 0 {
                error.skipped += window[(from - windowStart)..<(min(end, from + room) - windowStart)]
            }
            error.skippedCount += end - from
        }
        skippedStart = end
        emit(.error(error))
    }

    /// While hunting through a long stretch of garbage, keep at most what an error displays.
    private func keepSkippedBytes(upTo end: Int) {
        guard pendingError != nil, end - windowStart > 64 * 1024 else { return }
        let from = max(skippedStart, windowStart)
        if end > from, var error = pendingError {
            let room = FramerError.keptSkippedBytes - error.skipped.count
            if room > 0 {
                error.skipped += window[(from - windowStart)..<(min(end, from + room) - windowStart)]
            }
            error.skippedCount += end - from
            pendingError = error
            skippedStart = end
        }
        compact(upTo: end)
        boundary = end
        fedEnd = end
    }

    // MARK: libxml2 contexts

    private func startContext(synthetic: Bool) {
        dropContext()
        var handler = XMLFramer.makeSAXHandler()
        let userData = Unmanaged.passUnretained(self).toOpaque()
        guard let context = xmlCreatePushParserCtxt(&handler, userData, nil, 0, nil) else {
            fatalError("libxml2 could not allocate a parser context")
        }
        _ = xmlCtxtUseOptions(context, Int32(XML_PARSE_NONET.rawValue | XML_PARSE_IGNORE_ENC.rawValue))
        self.context = context
        depth = 0
        builders.removeAll(keepingCapacity: true)
        contextIsSynthetic = synthetic
        contextStart = boundary
        if synthetic {
            let header = lastHeaderRaw ?? Array(
                "<stream:stream xmlns='\(assumedContentNamespace)' xmlns:stream='\(XMPPNamespace.streams)'>".utf8
            )
            contextBase = boundary - header.count
            header.withUnsafeBufferPointer { buffer in
                let pointer = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
                _ = xmlParseChunk(context, pointer, Int32(buffer.count), 0)
            }
            // The header's own events are not reported.
            collected.removeAll(keepingCapacity: true)
            if case .failed = control { control = nil }
        } else {
            contextBase = boundary
        }
    }

    private func dropContext() {
        guard let context else { return }
        xmlFreeParserCtxt(context)
        self.context = nil
        names.removeAll(keepingCapacity: true)
        depth = 0
        builders.removeAll(keepingCapacity: true)
    }

    private func contextCursor() -> Int {
        contextBase + Int(xmppscope_xml_consumed(context))
    }

    private func stop() {
        xmlStopParser(context)
    }

    // MARK: Byte helpers

    private func byte(at offset: Int) -> UInt8? {
        let index = offset - windowStart
        guard index >= 0, index < window.count else { return nil }
        return window[index]
    }

    private func firstNonWhitespace(from offset: Int) -> Int? {
        var index = max(offset, windowStart) - windowStart
        while index < window.count {
            switch window[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return index + windowStart
            }
        }
        return nil
    }

    /// Whether the bytes at `offset` open a stream (`<?xml` or a tag named `…stream`); nil until
    /// enough bytes are in to tell.
    private func startsStream(at offset: Int) -> Bool? {
        let bytes = window[(offset - windowStart)...]
        guard bytes.first == UInt8(ascii: "<") else { return false }
        var name: [UInt8] = []
        for byte in bytes.dropFirst() {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ">"), UInt8(ascii: "/"):
                if name.isEmpty { return false }
                return name == Array("?xml".utf8) || name == Array("stream".utf8) || name.ends(with: Array(":stream".utf8))
            default:
                name.append(byte)
                if name.count > 64 { return false }
            }
        }
        return nil
    }

    private func compactIfWorthIt() {
        let droppable = boundary - windowStart
        if droppable >= 4096 && droppable * 2 >= window.count {
            compact(upTo: boundary)
        }
    }

    /// Drops bytes before `offset`, keeping the line count.
    private func compact(upTo offset: Int) {
        let count = min(offset, windowEnd) - windowStart
        guard count > 0 else { return }
        countNewlines(before: windowStart + count)
        window.removeFirst(count)
        windowStart += count
    }

    private func countNewlines(before offset: Int) {
        let count = min(offset, windowEnd) - windowStart
        guard count > 0 else { return }
        window.withUnsafeBufferPointer { buffer in
            for index in 0..<count where buffer[index] == 0x0A {
                linesBeforeWindow += 1
                lastNewlineBeforeWindow = windowStart + index
            }
        }
    }

    /// Line and column of an offset inside the window (or at its end).
    func position(at offset: Int) -> StreamPosition {
        var line = linesBeforeWindow + 1
        var lastNewline = lastNewlineBeforeWindow
        let end = min(max(offset, windowStart), windowEnd) - windowStart
        window.withUnsafeBufferPointer { buffer in
            for index in 0..<end where buffer[index] == 0x0A {
                line += 1
                lastNewline = windowStart + index
            }
        }
        return StreamPosition(offset: offset, line: line, column: offset - lastNewline)
    }

    // MARK: Resynchronisation

    private func findResynchronisationPoint(from offset: Int) -> (Int, ResynchronisationPoint)? {
        var index = max(offset, windowStart) - windowStart
        return window.withUnsafeBufferPointer { buffer in
            while index < buffer.count {
                guard buffer[index] == UInt8(ascii: "<") else { index += 1; continue }
                switch ResynchronisationPoint.match(buffer, at: index) {
                case .some(let point): return (index + windowStart, point)
                case .none: index += 1
                }
            }
            return nil
        }
    }

    // MARK: SAX callbacks

    fileprivate func startElement(
        localName: UnsafePointer<xmlChar>?, prefix: UnsafePointer<xmlChar>?, uri: UnsafePointer<xmlChar>?,
        namespaceCount: Int, namespaces: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?,
        attributeCount: Int, attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
    ) {
        if control != nil { return }
        let name = interned(localName) ?? ""
        let namespace = interned(uri)
        depth += 1

        if depth == 1 {
            if contextIsSynthetic { return }
            if name != "stream" {
                // A document whose root is a stanza: frame it as one.
                control = .restart(at: firstElementTag(from: boundary) ?? boundary, synthetic: true)
                stop()
                return
            }
            let declarations = namespaceDeclarations(namespaceCount, namespaces)
            let end = tagEnd()
            let header = Element(
                name: name, prefix: interned(prefix), namespace: namespace,
                attributes: makeAttributes(attributeCount, attributes),
                namespaceDeclarations: declarations
            )
            let raw = Array(window[(boundary - windowStart)..<(end - windowStart)])
            lastHeaderRaw = raw
            collected.append(.streamOpened(StreamHeader(element: header, raw: raw, offset: boundary)))
            boundary = end
            return
        }

        if depth == 2 && name == "stream" && namespace == XMPPNamespace.streams {
            // A new stream header without a close or an XML declaration: a restart.
            control = .restart(at: boundary, synthetic: false)
            stop()
            return
        }
        if depth - 1 > limits.maxDepth {
            control = .failed(FramerError(kind: .tooDeep(limit: limits.maxDepth), position: position(at: contextCursor())))
            stop()
            return
        }
        let attributes = makeAttributes(attributeCount, attributes)
        for attribute in attributes where attribute.prefix == nil && attribute.name.isMisspeltXMLNS {
            collected.append(.error(FramerError(
                kind: .misspeltNamespaceDeclaration(attribute: attribute.name, element: name),
                position: position(at: contextCursor())
            )))
        }
        if let parent = builders.indices.last { builders[parent].flushText() }
        builders.append(ElementBuilder(element: Element(
            name: name, prefix: interned(prefix), namespace: namespace,
            attributes: attributes,
            namespaceDeclarations: namespaceDeclarations(namespaceCount, namespaces)
        )))
    }

    fileprivate func endElement() {
        if control != nil { return }
        depth -= 1
        if depth == 0 {
            // </stream:stream>
            let start = firstTag(from: boundary) ?? boundary
            let end = contextCursor()
            let raw = end > start ? Array(window[(start - windowStart)..<(min(end, windowEnd) - windowStart)]) : []
            collected.append(.streamClosed(offset: start, raw: raw))
            control = .closed(at: end)
            stop()
            return
        }
        guard var finished = builders.popLast() else { return }
        finished.flushText()
        if let parent = builders.indices.last {
            builders[parent].flushText()
            builders[parent].element.children.append(.element(finished.element))
            return
        }
        // A complete top-level element.
        let end = contextCursor()
        let start = firstTag(from: boundary) ?? boundary
        let raw = Array(window[(start - windowStart)..<(min(end, windowEnd) - windowStart)])
        collected.append(.element(FramedElement(element: finished.element, raw: raw, offset: start)))
        boundary = end
        let element = finished.element
        if (element.name == "proceed" && element.namespace == XMPPNamespace.tls)
            || (element.name == "compressed" && element.namespace == XMPPNamespace.compress) {
            control = .opaque(at: end)
            stop()
        }
    }

    fileprivate func characters(_ bytes: UnsafePointer<xmlChar>?, count: Int) {
        guard control == nil, let bytes, count > 0, let last = builders.indices.last else { return }
        builders[last].pendingText.append(contentsOf: UnsafeBufferPointer(start: bytes, count: count))
    }

    fileprivate func refuse(_ construct: RestrictedConstruct) {
        guard control == nil else { return }
        control = .failed(FramerError(kind: .restricted(construct), position: position(at: contextCursor())))
        stop()
    }

    fileprivate func structuredError(_ error: UnsafePointer<xmlError>) {
        let level = error.pointee.level
        let code = error.pointee.code
        if level == XML_ERR_WARNING || code == Int32(XML_ERR_USER_STOP.rawValue) { return }
        let message = error.pointee.message.map { String(cString: $0) }?
            .trimmingTrailingNewlines() ?? "libxml2 error \(code)"
        if level == XML_ERR_ERROR {
            // Recoverable (namespace errors): report and go on.
            guard control == nil else { return }
            collected.append(.error(FramerError(kind: .namespace(message), position: position(at: contextCursor()))))
            return
        }
        guard control == nil else { return }
        if depth == 1 && builders.isEmpty, let start = firstTag(from: boundary), startsXMLDeclaration(at: start) {
            // `<?xml` after a stream's content: the peer restarted the stream (after SASL, say).
            control = .restart(at: start, synthetic: false)
        } else {
            control = .failed(FramerError(kind: .malformed(message), position: position(at: contextCursor())))
        }
        stop()
    }

    // MARK: Callback helpers

    private func interned(_ pointer: UnsafePointer<xmlChar>?) -> String? {
        guard let pointer else { return nil }
        if let name = names[pointer] { return name }
        let name = String(cString: pointer)
        names[pointer] = name
        return name
    }

    private func namespaceDeclarations(
        _ count: Int, _ namespaces: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
    ) -> [NamespaceDeclaration] {
        guard count > 0, let namespaces else { return [] }
        var result: [NamespaceDeclaration] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            let prefix = interned(namespaces[2 * index])
            let uri = interned(namespaces[2 * index + 1]) ?? ""
            result.append(NamespaceDeclaration(prefix: prefix, uri: uri))
        }
        return result
    }

    private func makeAttributes(
        _ count: Int, _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
    ) -> [Attribute] {
        guard count > 0, let attributes else { return [] }
        var result: [Attribute] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            let base = 5 * index
            guard let start = attributes[base + 3], let end = attributes[base + 4] else { continue }
            let value = String(decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self)
            result.append(Attribute(
                name: interned(attributes[base]) ?? "",
                prefix: interned(attributes[base + 1]),
                namespace: interned(attributes[base + 2]),
                value: value.unescapingXMLEntities()
            ))
        }
        return result
    }

    /// The end of the start tag the parser is on: libxml2 reports a start tag before consuming its `>`.
    private func tagEnd() -> Int {
        let cursor = contextCursor()
        switch byte(at: cursor) {
        case UInt8(ascii: ">"): return cursor + 1
        case UInt8(ascii: "/"): return cursor + 2
        default: return cursor
        }
    }

    /// The first `<` at or after `offset` that opens a tag (not a declaration or PI).
    private func firstTag(from offset: Int) -> Int? {
        var index = max(offset, windowStart)
        while let candidate = firstNonWhitespace(from: index) {
            guard byte(at: candidate) == UInt8(ascii: "<") else { index = candidate + 1; continue }
            return candidate
        }
        return nil
    }

    /// The first `<` at or after `offset` that opens an element (skipping `<?…?>` and `<!…>`).
    private func firstElementTag(from offset: Int) -> Int? {
        var index = max(offset, windowStart)
        while index < windowEnd {
            if byte(at: index) == UInt8(ascii: "<"), let next = byte(at: index + 1),
               next != UInt8(ascii: "?"), next != UInt8(ascii: "!") {
                return index
            }
            index += 1
        }
        return nil
    }

    private func startsXMLDeclaration(at offset: Int) -> Bool {
        let token = Array("<?xml".utf8)
        for (index, expected) in token.enumerated() where byte(at: offset + index) != expected { return false }
        return true
    }

    // MARK: The SAX handler

    /// libxml2 copies the handler into each context it creates.
    private static func makeSAXHandler() -> xmlSAXHandler {
        var handler = xmlSAXHandler()
        handler.initialized = UInt32(XML_SAX2_MAGIC)
        handler.startElementNs = { context, localName, prefix, uri, namespaceCount, namespaces, attributeCount, _, attributes in
            XMLFramer.from(context).startElement(
                localName: localName, prefix: prefix, uri: uri,
                namespaceCount: Int(namespaceCount), namespaces: namespaces,
                attributeCount: Int(attributeCount), attributes: attributes
            )
        }
        handler.endElementNs = { context, _, _, _ in
            XMLFramer.from(context).endElement()
        }
        handler.characters = { context, bytes, count in
            XMLFramer.from(context).characters(bytes, count: Int(count))
        }
        handler.cdataBlock = { context, bytes, count in
            XMLFramer.from(context).characters(bytes, count: Int(count))
        }
        handler.internalSubset = { context, name, _, _ in
            XMLFramer.from(context).refuse(.documentTypeDeclaration(name: name.map { String(cString: $0) } ?? ""))
        }
        handler.externalSubset = { context, name, _, _ in
            XMLFramer.from(context).refuse(.documentTypeDeclaration(name: name.map { String(cString: $0) } ?? ""))
        }
        handler.entityDecl = { context, name, _, _, _, _ in
            XMLFramer.from(context).refuse(.entityReference(name: name.map { String(cString: $0) } ?? ""))
        }
        handler.getEntity = { context, name in
            XMLFramer.from(context).refuse(.entityReference(name: name.map { String(cString: $0) } ?? ""))
            return nil
        }
        handler.comment = { context, _ in
            XMLFramer.from(context).refuse(.comment)
        }
        handler.processingInstruction = { context, target, _ in
            XMLFramer.from(context).refuse(.processingInstruction(target: target.map { String(cString: $0) } ?? ""))
        }
        handler.serror = { context, error in
            guard let context, let error else { return }
            XMLFramer.from(context).structuredError(error)
        }
        return handler
    }

    private static func from(_ context: UnsafeMutableRawPointer?) -> XMLFramer {
        Unmanaged<XMLFramer>.fromOpaque(context!).takeUnretainedValue()
    }
}

/// The element being built inside a top-level element.
private struct ElementBuilder {
    var element: Element
    /// Text not yet added as a node: libxml2 delivers long text in many pieces.
    var pendingText: [UInt8] = []

    mutating func flushText() {
        guard !pendingText.isEmpty else { return }
        element.children.append(.text(String(decoding: pendingText, as: UTF8.self)))
        pendingText.removeAll()
    }
}

/// A place after an error where decoding can start again.
enum ResynchronisationPoint {
    case streamStart
    case stanzaStart
    case streamClose(length: Int)

    /// Names that open a top-level element in XMPP (stanzas and common nonzas).
    private static let stanzaNames: [[UInt8]] = [
        "iq", "message", "presence", "auth", "success", "failure", "challenge", "response", "abort",
        "proceed", "starttls", "handshake", "route", "xdb", "enable", "enabled", "resume", "resumed",
        "failed", "compress", "compressed",
    ].map { Array($0.utf8) }
    private static let prefixes: [[UInt8]] = ["stream:", "db:"].map { Array($0.utf8) }
    private static let streamClose = Array("</stream:stream>".utf8)
    private static let xmlDeclaration = Array("<?xml".utf8)
    private static let streamOpen = Array("<stream:stream".utf8)
    static let longestToken = 24

    /// The kind of point at `index` (which holds a `<`), if it is one.
    static func match(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int) -> ResynchronisationPoint? {
        func has(_ token: [UInt8], at position: Int) -> Bool {
            guard position + token.count <= buffer.count else { return false }
            for (offset, byte) in token.enumerated() where buffer[position + offset] != byte { return false }
            return true
        }
        func delimited(_ position: Int) -> Bool {
            guard position < buffer.count else { return false }
            switch buffer[position] {
            case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ">"), UInt8(ascii: "/"): return true
            default: return false
            }
        }
        if has(xmlDeclaration, at: index) { return delimited(index + 5) ? .streamStart : nil }
        if has(streamOpen, at: index) { return delimited(index + streamOpen.count) ? .streamStart : nil }
        if has(streamClose, at: index) { return .streamClose(length: streamClose.count) }
        for prefix in prefixes where has(prefix, at: index + 1) {
            return .stanzaStart
        }
        for name in stanzaNames where has(name, at: index + 1) && delimited(index + 1 + name.count) {
            return .stanzaStart
        }
        return nil
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var result = self
        while result.last == "\n" || result.last == "\r" { result.removeLast() }
        return result
    }

    /// Attribute values from libxml2's SAX2 callback keep predefined entities and character
    /// references escaped (libxml2 only decodes them with XML_PARSE_NOENT, which must stay off).
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

    /// `cmlns`, `xmnls`, `xlmns`: one edit from `xmlns`, but not `xmlns`.
    var isMisspeltXMLNS: Bool {
        let target = Array("xmlns".utf8)
        let word = Array(utf8)
        guard word != target, abs(word.count - target.count) <= 1 else { return false }
        return word.editDistance(to: target) == 1 || word.isTransposition(of: target)
    }
}

extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }

    func editDistance(to other: [UInt8]) -> Int {
        var previous = Array<Int>(0...other.count)
        for (i, a) in enumerated() {
            var current = [i + 1]
            for (j, b) in other.enumerated() {
                current.append(Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (a == b ? 0 : 1)))
            }
            previous = current
        }
        return previous[other.count]
    }

    func isTransposition(of other: [UInt8]) -> Bool {
        guard count == other.count else { return false }
        let differing = indices.filter { self[$0] != other[$0] }
        return differing.count == 2 && differing[1] == differing[0] + 1
            && self[differing[0]] == other[differing[1]] && self[differing[1]] == other[differing[0]]
    }
}
