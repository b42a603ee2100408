import XMPPBase
import XMPPTransport

/// Element assembly: what the framer does with each event the libxml2 bridge reports — stream
/// headers, top-level elements (whole trees, or their top with ``XMLFramer/Content/topLevel``),
/// stream closes and restarts, refused constructs and parser errors. Callbacks never touch the
/// state machine directly: they set a ``FramerControl`` and halt the parser, and the loop acts
/// on it once the parser has returned.
extension XMLFramer: XMLEventConsumer {
    func startElement(_ tag: StartTag) {
        if control != nil { return }
        depth += 1
        if let discard {
            // libxml2 keeps a stack entry for every open element, however deep: past a bound, stop
            // following the element and resynchronise after it, or memory grows with the nesting.
            if depth - limits.maxDepth > max(limits.maxDepth, 1024) {
                // At this start tag: ``fail(_:emit:)`` hunts from the position of the error it gets.
                control = .failed(FramerError(kind: discard.error.kind, position: window.position(at: contextCursor())))
                parser?.stop()
            }
            return
        }
        if depth == 3 {
            itemChildCount += 1
            if let localName = tag.localName { itemChildNames.add(localName) }
        }
        if content == .topLevel && !itemWhole && depth > 2 {
            // Below the top: only its namespace (and a misspelt xmlns) matter; not its text.
            if depth == 3 { parser?.reportText(false) }
            if !itemNamespaceIdentities.contains(tag.namespaceIdentity) { itemNamespaceIdentities.append(tag.namespaceIdentity) }
            if tag.attributeCount > 0 { reportMisspeltNamespaceDeclarations(tag) }
            if depth - 1 > limits.maxDepth { exceeded(.tooDeep(limit: limits.maxDepth), at: contextCursor()) }
            return
        }
        let name = tag.name ?? ""
        let namespace = tag.namespace

        if depth == 1 {
            if contextIsSynthetic { return }
            if name != "stream" && !(readsBOSHBodies && name == "body" && namespace == XMPPNamespace.httpBind) {
                // A document whose root is a stanza: frame it as one.
                restart(at: window.firstElementTag(from: boundary) ?? boundary, synthetic: true)
                return
            }
            let end = tagEnd()
            let header = Element(
                name: name, prefix: tag.prefix, namespace: namespace,
                attributes: tag.makeAttributes(), namespaceDeclarations: tag.namespaceDeclarations()
            )
            let raw = window.copy(from: contextStart, to: end)
            if !raw.ends(with: Array("/>".utf8)) {
                lastHeaderRaw = raw
                if lastHeaderScope == nil || lastHeaderScopeSource?.qualifiedName != header.qualifiedName
                    || lastHeaderScopeSource?.declarations != header.namespaceDeclarations {
                    lastHeaderScope = header.namespaceScopeStartTag
                    lastHeaderScopeSource = (header.qualifiedName, header.namespaceDeclarations)
                }
            }
            collected.append(.streamOpened(StreamHeader(element: header, raw: raw, offset: contextStart)))
            boundary = end
            return
        }

        if depth == 2 {
            let start = tagStart(before: contextCursor()) ?? boundary
            if name == "stream" && namespace == XMPPNamespace.streams {
                // A new stream header without a close or an XML declaration: a restart.
                restart(at: start, synthetic: false)
                return
            }
            itemStart = start
            itemNamespaceIdentities.removeAll(keepingCapacity: true)
            itemChildCount = 0
            itemChildNames = ChildNameMarks()
            itemPacked = nil
            itemWhole = false
        }
        if !itemNamespaceIdentities.contains(tag.namespaceIdentity) { itemNamespaceIdentities.append(tag.namespaceIdentity) }
        reportMisspeltNamespaceDeclarations(tag)
        if depth - 1 > limits.maxDepth {
            exceeded(.tooDeep(limit: limits.maxDepth), at: contextCursor())
            return
        }
        let attributes: [Attribute]
        var errorType: Bool?  // known from packing, or to be found
        if depth == 2 && content == .topLevel && packsAttributes, tag.attributeCount > 0, let groups = tag.attributes {
            let packed = PackedAttributes.pack(count: tag.attributeCount, groups: groups, into: &itemPackedBytes)
            itemPacked = (packed.count, packed.length)
            errorType = packed.errorType
            attributes = []
        } else {
            attributes = tag.makeAttributes()
        }
        if depth == 2 && content == .topLevel {
            itemWhole = wholeElements.selects(tag, errorType: errorType)
        }
        openElements.open(Element(
            name: name, prefix: tag.prefix, namespace: namespace,
            attributes: attributes, namespaceDeclarations: tag.namespaceDeclarations()
        ))
    }

    func endElement() {
        if control != nil { return }
        depth -= 1
        // Back at the top element (or between top elements): its text matters again.
        if depth <= 2 { parser?.reportText(true) }
        if let discard {
            if depth == 1 {
                // The element past a limit is over: report it, with what it spanned.
                let end = contextCursor()
                var error = discard.error
                appendSkipped(&error, from: discard.skippedUpTo, to: end)
                collected.append(.error(error))
                self.discard = nil
                itemStart = nil
                boundary = end
            }
            return
        }
        if depth == 0 {
            closeStream()
            return
        }
        if content == .topLevel && !itemWhole && depth > 1 { return }
        guard let finished = openElements.close() else { return }
        if !openElements.isEmpty {
            openElements.addChild(finished)
            return
        }
        // A complete top-level element.
        let end = contextCursor()
        let start = itemStart ?? boundary
        let handOff = StartTLSHandOff.plaintextEnd(name: finished.name, namespace: finished.namespace)
        collected.append(.element(FramedElement(
            element: finished, packedAttributes: itemPacked.map { (itemPackedBytes, $0.count, $0.length) },
            raw: (window, start, min(end, window.end)), offset: start,
            namespaces: namespaceCache.namespaces(for: itemNamespaceIdentities, names: names),
            childCount: itemChildCount, childNames: itemChildNames, isComplete: content == .full || itemWhole,
            header: content == .full ? [] : (lastHeaderScope ?? [])
        )))
        itemStart = nil
        itemPacked = nil
        itemWhole = false
        boundary = end
        switch handOff {
        case .tls? where !stopsAtProceed:
            // TLS is terminated in front of us: a new stream starts after it.
            control = .closed(at: end)
            parser?.stop()
        case .tls?, .compression?:
            control = .opaque(at: end)
            parser?.stop()
        case nil:
            break
        }
    }

    func characters(_ text: UnsafeBufferPointer<UInt8>) {
        guard control == nil, discard == nil else { return }
        guard !openElements.isEmpty else {
            // Text or CDATA between top-level elements is done with once reported.
            if depth == 1 { boundary = max(boundary, contextCursor()) }
            return
        }
        if content == .topLevel && !itemWhole && depth > 2 { return }
        openElements.appendText(text)
    }

    func refuse(_ construct: RestrictedConstruct) {
        guard control == nil, discard == nil else { return }
        control = .failed(FramerError(kind: .restricted(construct), position: window.position(at: contextCursor())))
        parser?.stop()
    }

    func parserError(_ diagnostic: ParserDiagnostic) {
        guard control == nil else { return }
        var message = diagnostic.message
        if contextIsSynthetic && depth == 1 && openElements.isEmpty && diagnostic.code == .tagNameMismatch {
            // An end tag at the top of a header the framer supplied: libxml2 would name that header.
            message = "an end tag without its start tag"
        }
        if diagnostic.severity == .recoverable {
            // Namespace errors: report and go on.
            if discard == nil {
                collected.append(.error(FramerError(kind: .namespace(message), position: window.position(at: contextCursor()))))
            }
            return
        }
        if depth == 1 && openElements.isEmpty && discard == nil,
           let start = window.lastTag(from: boundary, before: contextCursor()), window.starts(with: "<?xml", at: start) {
            // `<?xml` after a stream's content: the peer restarted the stream (after SASL, say).
            restart(at: start, synthetic: false)
            return
        }
        let cursor = contextCursor()
        if diagnostic.code == .internalError && !openElements.isEmpty, let construct = window.restrictedConstruct(at: cursor) {
            // A DOCTYPE inside a stanza: libxml2 only says "detected an error in element content".
            // (It waits for nine bytes after `<!` in content, so the whole `<!DOCTYPE` is in.)
            control = .failed(FramerError(kind: .restricted(construct), position: window.position(at: cursor)))
            parser?.stop()
            return
        }
        control = .failed(FramerError(kind: .malformed(message), position: window.position(at: cursor)))
        parser?.stop()
    }

    // MARK: Helpers

    /// `</stream:stream>`, or the end of a self-closing `<stream:stream/>`.
    private func closeStream() {
        let end = contextCursor()
        let start = tagStart(before: end) ?? boundary
        if window.starts(with: "</", at: start) {
            collected.append(.streamClosed(offset: start, raw: window.copy(from: start, to: end)))
        } else {
            collected.append(.streamClosed(offset: end, raw: []))
        }
        control = .closed(at: end)
        parser?.stop()
    }

    private func restart(at offset: Int, synthetic: Bool) {
        // libxml2 reported namespace problems of the restarting tag already; the new context will again.
        collected.removeAll { event in
            if case .error(let error) = event { return error.isRecoverable && error.position.offset >= offset }
            return false
        }
        control = .restart(at: offset, synthetic: synthetic)
        parser?.stop()
    }

    /// Flags `cmlns=`-style attributes.
    private func reportMisspeltNamespaceDeclarations(_ tag: StartTag) {
        guard tag.mayHaveMisspeltNamespaceDeclaration else { return }
        for attribute in tag.misspeltNamespaceDeclarations() {
            collected.append(.error(FramerError(
                kind: .misspeltNamespaceDeclaration(attribute: attribute, element: tag.name ?? ""),
                position: window.position(at: contextCursor())
            )))
        }
    }

    /// The `<` that opens the tag ending at `offset`, within the current item.
    private func tagStart(before offset: Int) -> Int? {
        window.lastTag(from: max(boundary, contextStart), before: offset)
    }

    /// The end of the start tag the parser is on: libxml2 reports a start tag before consuming its `>`.
    private func tagEnd() -> Int {
        let cursor = contextCursor()
        switch window.byte(at: cursor) {
        case UInt8(ascii: ">"): return cursor + 1
        case UInt8(ascii: "/"): return cursor + 2
        default: return cursor
        }
    }
}
