public import XMPPBase

/// Turns one direction of an XMPP stream into stream headers, stanzas and nonzas, whatever the
/// chunking of the bytes, over libxml2's push (SAX2) parser.
///
/// The framer keeps the bytes of the element being parsed (``ByteWindow``) so each one comes out
/// with its exact raw bytes and offset. It handles stream restarts (a new `<?xml?>` or
/// `<stream:stream>` after STARTTLS or SASL), refuses what RFC 6120 §11.1 forbids, checks UTF-8
/// (``XMLCharacterValidator``), enforces ``FramerLimits``, and after any error resynchronises at
/// the next stanza start it can find (``ResynchronisationPoint``). After a `<proceed/>` (TLS) or
/// `<compressed/>` it stops decoding and counts the remaining bytes as ``opaqueBytes``. Memory
/// stays bounded by the stanza limit whatever it is fed.
///
/// Its parts: this file is the state machine's loop (``FramerState``); `XMLFramer+Elements`
/// assembles elements from what the libxml2 bridge (``LibXML2PushParser``) reports;
/// `XMLFramer+Recovery` handles errors, limits and the hunt for the next stanza.
///
/// Not thread-safe: one framer per direction, fed from one place.
public final class XMLFramer {
    /// How much of each top-level element the framer builds.
    public enum Content: Sendable {
        /// The whole tree: every child, attribute and text node.
        case full
        /// The top-level element with its attributes, and the namespaces below it; the tree is
        /// built on demand by ``FramedElement/completeElement()``. Several times cheaper. The
        /// elements ``XMLFramer/wholeElements`` selects are built whole all the same.
        case topLevel
    }

    /// The limits in force.
    public let limits: FramerLimits
    /// How much of each element is built.
    public let content: Content
    /// The content namespace assumed when a stream is joined after its header (mid-capture).
    public let assumedContentNamespace: String

    /// Whether `<proceed/>` stops decoding (TLS follows on the wire). A proxy that terminates TLS
    /// sees the decrypted stream instead, and sets this to false: decoding goes on with a new stream.
    public var stopsAtProceed = true

    /// Whether a BOSH `<body xmlns='http://jabber.org/protocol/httpbind'>` (XEP-0124) is read as
    /// a stream header: its children are the stanzas, `</body>` closes it. Each HTTP body is fed as
    /// one such document.
    public var readsBOSHBodies = false

    /// With ``Content/topLevel``: whether the top element's attributes are kept as bytes
    /// (``PackedAttributes``) instead of strings, built only where they are read. A framer whose
    /// elements are read on another thread leaves that work, and the allocations, to the reader.
    public var packsAttributes = false

    /// With ``Content/topLevel``: the top-level elements built whole all the same (see
    /// ``WholeElementSelection``); their ``FramedElement/isComplete`` is true.
    public var wholeElements = WholeElementSelection.none

    /// Whether everything fed so far is framed: no element, header or error is pending (only
    /// whitespace follows the last item). A WebSocket message (RFC 7395) must end so.
    public var isBetweenItems: Bool {
        switch state {
        case .hunting, .opaque: return false
        case .awaitingStart, .parsing:
            return discard == nil && openElements.isEmpty && window.firstNonWhitespace(from: boundary) == nil
        }
    }

    /// Bytes seen after decoding stopped for TLS or compression.
    public internal(set) var opaqueBytes = 0
    /// Whether the bytes held after the point where decoding stopped are kept for
    /// ``takeOpaqueTail()`` (a TLS decoder takes over there) instead of only being counted.
    public var keepsOpaqueTail = false
    /// The bytes after the stop that were already fed, kept when ``keepsOpaqueTail`` is set.
    var opaqueTail: [UInt8] = []
    /// Whether decoding stopped for TLS or compression.
    public var isOpaque: Bool { if case .opaque = state { return true } else { return false } }
    /// Every byte fed or skipped, counting gaps.
    public var totalBytes: Int { window.end }
    /// Bytes held right now (for tests of bounded memory).
    var bufferedByteCount: Int { window.count }

    // MARK: Bytes

    let window = ByteWindow()
    /// The end of the last complete top-level item: everything before it has been reported.
    var boundary = 0
    /// How far bytes have been handed to the current libxml2 context.
    var fedEnd = 0
    /// The last run of bytes fed as checked (``feed(_:checked:emit:)``), by stream offset.
    var checkedBytes = 0..<0

    // MARK: The state machine

    var state: FramerState = .awaitingStart(synthetic: nil)
    /// What a callback asked for, handled once the parser returns.
    var control: FramerControl?
    /// Events completed by the last chunk parsed, emitted once the parser returns.
    var collected: [FramerEvent] = []
    /// An empty list kept for its capacity, swapped with `collected` when its events are handed on.
    private var spareEvents: [FramerEvent] = []
    /// The last place decoding started again after an error (a second failure there moves on).
    var lastResynchronisationPoint = -1

    // MARK: The libxml2 context (while parsing)

    var parser: LibXML2PushParser?
    /// The last context, reset when its document ended and kept for the next document while it
    /// interns in the shared dictionary's current generation (with no shared dictionary, a
    /// context's own would grow with every document: none is kept). Let go of when decoding
    /// stops (opaque bytes, the end).
    private var spareParser: LibXML2PushParser?
    /// Contexts made so far, reused ones not counted (for tests).
    private(set) var contextsMade = 0
    let names = InternedNames()
    /// Where the contexts intern their names, when shared with other framers (else each
    /// context keeps its own dictionary).
    let nameDictionary: SharedNameDictionary?
    /// Absolute offset of byte 0 of the current context (a synthetic header sits before the real bytes).
    var contextBase = 0
    var contextIsSynthetic = false
    /// Where the current context's own bytes begin.
    var contextStart = 0
    /// The last real stream header, replayed to give resynchronised stanzas their namespaces.
    var lastHeaderRaw: [UInt8]?
    /// The same header reduced to its name and namespace declarations: all an element's tree
    /// takes from it. Streams that declare the same namespaces share it, so an
    /// ``ElementTreeParser`` keeps one context for them all.
    var lastHeaderScope: [UInt8]?
    /// The name and declarations ``lastHeaderScope`` was made from: a header that repeats them
    /// (every BOSH body does) reuses it rather than writing it again.
    var lastHeaderScopeSource: (qualifiedName: String, declarations: [NamespaceDeclaration])?

    // MARK: The element being assembled

    /// Open elements in the current context, the root included.
    var depth = 0
    var openElements = OpenElements()
    /// The `<` of the top-level element being parsed, and the namespaces in it so far.
    var itemStart: Int?
    /// The namespaces in the current top-level element so far, as libxml2's interned pointers.
    var itemNamespaceIdentities: [UnsafeRawPointer?] = []
    /// The namespace lists of recent elements, handed out again where an element's are the same.
    var namespaceCache = NamespaceListCache()
    /// How many child elements the current top-level element has.
    var itemChildCount = 0
    /// The local names of its children so far.
    var itemChildNames = ChildNameMarks()
    /// The current top-level element's attributes, when ``packsAttributes`` is set: how many and
    /// how long (nil when not packed), and their bytes (``PackedAttributes/pack(count:groups:into:)``;
    /// the array keeps its storage from one element to the next).
    var itemPacked: (count: Int, length: Int)?
    /// Whether the current top-level element is built whole (``wholeElements``), though the
    /// framer's content is ``Content/topLevel``.
    var itemWhole = false
    /// The packed attributes' bytes: the first `itemPacked.length` of them.
    var itemPackedBytes: [UInt8] = []
    var discard: Discard?
    /// Where the item past a size limit begins, when no element was open (see ``exceeded(_:at:itemStart:)``).
    var limitItemStart: Int?

    /// `nameDictionary`: a dictionary shared with the other framers fed on this thread (see
    /// ``SharedNameDictionary``); without one, each libxml2 context keeps its own.
    public init(limits: FramerLimits = .default, content: Content = .full,
                assumedContentNamespace: String = XMPPNamespace.client, nameDictionary: SharedNameDictionary? = nil) {
        self.limits = limits
        self.content = content
        self.assumedContentNamespace = assumedContentNamespace
        self.nameDictionary = nameDictionary
        LibXML2PushParser.initializeLibrary()
    }

    /// Parses one top-level element's bytes under a stream header: the whole tree.
    static func parseElement(_ raw: [UInt8], header: [UInt8]) -> Element? {
        // No limit may cut it short: not the element, nor the header before it (a header longer
        // than the limit would be taken for an oversized item, and the default header used).
        let framer = XMLFramer(limits: FramerLimits(maxStanzaBytes: Int(Int32.max), maxDepth: .max))
        // The header may be a BOSH body's start tag (the element came in one).
        framer.readsBOSHBodies = true
        var element: Element?
        let collect: (consuming FramerEvent) -> Void = { event in
            if case .element(let framed) = event, element == nil { element = framed.element }
        }
        framer.feed(header.isEmpty ? framer.defaultHeader : header, emit: collect)
        framer.feed(raw, emit: collect)
        return element
    }

    var defaultHeader: [UInt8] {
        Array("<stream:stream xmlns='\(assumedContentNamespace)' xmlns:stream='\(XMPPNamespace.streams)'>".utf8)
    }

    // MARK: Feeding

    /// Feeds the next bytes of this direction; `emit` receives the events they complete, in order.
    public func feed(_ bytes: UnsafeRawBufferPointer, emit: (consuming FramerEvent) -> Void) {
        feed(bytes, checked: false, emit: emit)
    }

    /// The same for bytes already found valid by ``isValidXMLText(_:)`` (on another thread): the
    /// framer does not check their characters again.
    public func feed(_ bytes: UnsafeRawBufferPointer, checked: Bool, emit: (consuming FramerEvent) -> Void) {
        guard !bytes.isEmpty else { return }
        assert(!checked || Self.isValidXMLText(bytes), "bytes fed as checked are not valid XML text")
        if case .opaque = state {
            opaqueBytes += bytes.count
            skip(to: window.end + bytes.count)
            return
        }
        if checked {
            if checkedBytes.upperBound != window.end { checkedBytes = window.end..<window.end }
            checkedBytes = checkedBytes.lowerBound..<(window.end + bytes.count)
        }
        window.append(bytes)
        run(emit)
    }

    /// Whether `bytes` are all valid UTF-8 XML characters, the last one complete: bytes for which
    /// this holds may be fed with `checked` set, sparing the framer's thread the check.
    public static func isValidXMLText(_ bytes: UnsafeRawBufferPointer) -> Bool {
        XMLCharacterValidator.isValidWhole(bytes.bindMemory(to: UInt8.self))
    }

    /// Convenience for tests and text input.
    public func feed(_ bytes: some Collection<UInt8>, emit: (consuming FramerEvent) -> Void) {
        let array = Array(bytes)
        array.withUnsafeBytes { feed($0, emit: emit) }
    }

    /// Reports that `missing` bytes of this direction were never seen; decoding resumes at the
    /// next stanza start after them.
    public func gap(missing: Int, emit: (consuming FramerEvent) -> Void) {
        switch state {
        case .opaque:
            skip(to: window.end + missing)
            return
        case .hunting(let hunt):
            reportHunt(hunt, upTo: window.end, emit: emit)
        case .awaitingStart, .parsing:
            reportCutOff(.cutByGap(missing: missing), emit: emit)
        }
        dropContext()
        skip(to: window.end + missing)
        state = .hunting(Hunt(error: FramerError(kind: .afterGap, position: window.position(at: window.start)),
                              skippedStart: window.start, from: window.start))
    }

    /// Starts looking for the next stanza start without reporting an error: for a stream joined
    /// after it began (a capture that started mid-connection).
    public func resynchronize() {
        guard case .awaitingStart = state, window.end == window.start else { return }
        let error = FramerError(kind: .joinedMidStream, position: StreamPosition(offset: window.start, line: 1, column: 1))
        state = .hunting(Hunt(error: error, skippedStart: window.start, from: window.start))
    }

    /// Starts over for a new stream (TLS was set up in front of the framer): whatever is held is dropped.
    public func resetForNewStream() {
        if case .opaque = state { return }
        dropContext()
        skip(to: window.end)
        state = .awaitingStart(synthetic: nil)
    }

    /// Stops decoding: every byte from now on is counted as opaque (TLS or compression began).
    public func switchToOpaque() {
        if case .opaque = state { return }
        dropContext(keepingContext: false)
        if keepsOpaqueTail { opaqueTail = window.copy(from: max(boundary, window.start), to: window.end) }
        opaqueBytes += window.end - max(boundary, window.start)
        skip(to: window.end)
        state = .opaque
    }

    /// The bytes fed after decoding stopped (the first TLS bytes), once: a TLS decoder takes them
    /// over, then feeds the decrypted stream back through ``restartForDecryptedStream()``.
    public func takeOpaqueTail() -> [UInt8] {
        defer { opaqueTail = [] }
        return opaqueTail
    }

    /// Starts decoding again, for the decrypted stream that follows TLS: a new stream, whose
    /// offsets continue after the bytes counted so far.
    public func restartForDecryptedStream() {
        guard case .opaque = state else { return }
        opaqueTail = []
        skip(to: window.end)
        state = .awaitingStart(synthetic: nil)
    }

    /// The data has ended: reports an element left unfinished.
    public func finish(emit: (consuming FramerEvent) -> Void) {
        switch state {
        case .hunting(let hunt):
            reportHunt(hunt, upTo: window.end, emit: emit)
        case .parsing, .awaitingStart:
            reportCutOff(.unfinished, emit: emit)
        case .opaque:
            return
        }
        dropContext(keepingContext: false)
        skip(to: window.end)
        state = .awaitingStart(synthetic: nil)
    }

    /// The data stops here (a gap, or the end): reports the element past a limit being skipped,
    /// or else the element the data stops inside, as `kind`.
    private func reportCutOff(_ kind: FramerErrorKind, emit: (consuming FramerEvent) -> Void) {
        if let discard {
            emitError(discard.error, from: discard.skippedUpTo, to: window.end, emit: emit)
        } else if let start = unfinishedElementStart() {
            emitError(FramerError(kind: kind, position: window.position(at: window.end)), from: start, to: window.end, emit: emit)
        }
    }

    /// Where the element the data stops inside begins: the open top-level element, the stream
    /// header in progress, or the last tag begun. Trailing text outside any element is not one.
    private func unfinishedElementStart() -> Int? {
        if !openElements.isEmpty, let itemStart { return itemStart }
        if parser != nil && depth == 0 { return contextStart }
        if parser == nil, let start = window.firstNonWhitespace(from: boundary) { return start }
        return window.lastTag(from: boundary, before: window.end)
    }

    // MARK: The loop

    private func run(_ emit: (consuming FramerEvent) -> Void) {
        while true {
            switch state {
            case .opaque:
                opaqueBytes += window.end - max(boundary, window.start)
                skip(to: window.end)
                return

            case .hunting(var hunt):
                let search = window.findResynchronisationPoint(from: hunt.from)
                guard let (point, kind) = search.found else {
                    hunt.from = search.resume
                    keepSkippedBytes(&hunt, upTo: hunt.from)
                    state = .hunting(hunt)
                    return
                }
                reportHunt(hunt, upTo: point, emit: emit)
                lastResynchronisationPoint = point
                boundary = point
                fedEnd = point
                window.release(upTo: point)
                switch kind {
                case .streamStart: state = .awaitingStart(synthetic: false)
                case .stanzaStart: state = .awaitingStart(synthetic: true)
                case .streamClose(let length):
                    emit(.streamClosed(offset: point, raw: window.copy(from: point, to: point + length)))
                    boundary = point + length
                    fedEnd = boundary
                    state = .awaitingStart(synthetic: nil)
                }

            case .awaitingStart(let decided):
                guard let start = window.firstNonWhitespace(from: boundary) else {
                    skip(to: window.end)
                    return
                }
                let synthetic: Bool
                if let decided {
                    synthetic = decided
                } else {
                    guard let looksLikeStream = window.startsStream(at: start, alsoBody: readsBOSHBodies) else { return }
                    if !looksLikeStream, let first = window.byte(at: start), first != UInt8(ascii: "<"), first != 0xEF {
                        // Text after `</stream:stream>` (or before any element): not part of any
                        // stream. Skip it up to the next stanza start, as an error.
                        fail(FramerError(kind: .malformed("text outside any element"), position: window.position(at: start)), emit: emit)
                        continue
                    }
                    synthetic = !looksLikeStream
                }
                boundary = start
                fedEnd = start
                window.release(upTo: start)
                startContext(synthetic: synthetic)
                state = .parsing

            case .parsing:
                if fedEnd >= window.end { return }
                let itemInProgress = discard == nil ? currentItemStart() : nil
                if let start = itemInProgress, fedEnd - start >= limits.maxStanzaBytes {
                    exceeded(.stanzaTooLarge(limit: limits.maxStanzaBytes), at: fedEnd, itemStart: start)
                    handlePendingControl(emit)
                    continue
                }
                // At most a stanza limit past the element in progress, and while discarding one past
                // a limit, at most a limit at a time: an element that begins after the discarded one
                // ends, within the same parse call, must not escape the size check.
                let end = min(window.end, (itemInProgress ?? fedEnd) + limits.maxStanzaBytes)
                // Bytes fed as checked are valid characters, each one whole: check only past them.
                var validEnd: Int
                let invalid: XMLCharacterValidator.InvalidCharacter?
                if checkedBytes.contains(fedEnd) && end <= checkedBytes.upperBound {
                    // All checked. Where the size limit cuts a character, take it whole, as the
                    // validator does, so the limit is met where it is met unchecked.
                    validEnd = end
                    invalid = nil
                    while validEnd < checkedBytes.upperBound, let byte = window.byte(at: validEnd), byte & 0xC0 == 0x80 { validEnd += 1 }
                } else {
                    let checkFrom = checkedBytes.contains(fedEnd) ? checkedBytes.upperBound : fedEnd
                    (validEnd, invalid) = XMLCharacterValidator.validate(window, from: checkFrom, to: end)
                }
                if validEnd > fedEnd {
                    parse(upTo: validEnd)
                    emitCollected(emit)
                    if handlePendingControl(emit) { continue }
                    afterParse()
                }
                if fedEnd == validEnd, let invalid {
                    fail(FramerError(kind: .malformed(invalid.message), position: window.position(at: invalid.offset)), emit: emit)
                    continue
                }
                if validEnd == fedEnd && validEnd < end { return }  // a UTF-8 sequence not yet complete
            }
        }
    }

    /// Hands on what the parser reported, in order, each event moved out of the list to `emit`
    /// (no copy). The events are this call's own while `emit` runs, and `collected` is empty
    /// (with the capacity of the list used last time) for whatever comes next.
    private func emitCollected(_ emit: (consuming FramerEvent) -> Void) {
        var events: [FramerEvent] = []
        swap(&events, &spareEvents)
        swap(&events, &collected)
        events.reverse()
        while let event = events.popLast() { emit(consume event) }
        spareEvents = events
    }

    /// Handles a control a callback set; returns whether there was one.
    @discardableResult
    private func handlePendingControl(_ emit: (consuming FramerEvent) -> Void) -> Bool {
        guard let control else { return false }
        self.control = nil
        handle(control, emit: emit)
        return true
    }

    /// After libxml2 consumed bytes with no control raised: between top-level elements, what it
    /// consumed is done with; while discarding, nothing is kept.
    private func afterParse() {
        if var discard {
            // Whatever the chunking, the error shows the element's first bytes: copy them before
            // the window lets them go.
            let end = min(fedEnd, contextCursor())
            appendSkipped(&discard.error, from: discard.skippedUpTo, to: end)
            discard.skippedUpTo = max(discard.skippedUpTo, end)
            self.discard = discard
            window.release(upTo: end)
        } else if depth == 1 && openElements.isEmpty {
            let cursor = contextCursor()
            if cursor > boundary { boundary = cursor }
            window.release(upTo: boundary)
        } else {
            window.release(upTo: boundary)
        }
    }

    /// The `<` of the top-level element (or stream header) in progress, if one is.
    private func currentItemStart() -> Int? {
        if !openElements.isEmpty { return itemStart }
        if depth == 0 { return contextStart }
        return window.firstTag(from: max(boundary, contextCursor()))
    }

    private func handle(_ control: FramerControl, emit: (consuming FramerEvent) -> Void) {
        switch control {
        case .restart(let at, let synthetic):
            guard at > contextStart else {
                // No progress: the same bytes would restart the same way.
                fail(FramerError(kind: .malformed("a stream header that cannot start a stream"), position: window.position(at: at)), emit: emit)
                return
            }
            dropContext()
            boundary = at
            fedEnd = at
            state = .awaitingStart(synthetic: synthetic)
        case .closed(let at):
            dropContext()
            boundary = at
            fedEnd = at
            window.release(upTo: at)
            state = .awaitingStart(synthetic: nil)
        case .failed(let error):
            fail(error, emit: emit)
        case .opaque(let at):
            dropContext(keepingContext: false)
            if keepsOpaqueTail { opaqueTail = window.copy(from: at, to: window.end) }
            opaqueBytes += window.end - at
            skip(to: window.end)
            state = .opaque
        }
    }

    /// Moves past everything before `offset` (which may be beyond what was fed: a gap).
    func skip(to offset: Int) {
        window.skip(to: offset)
        boundary = max(boundary, offset)
        fedEnd = max(fedEnd, offset)
    }

    // MARK: libxml2 contexts

    private func parse(upTo end: Int) {
        let count = end - fedEnd
        let from = fedEnd
        fedEnd = end
        guard let parser else { return }
        window.withBytes(from: from) { parser.parse($0, count: count) }
    }

    private func startContext(synthetic: Bool) {
        dropContext()
        let parser: LibXML2PushParser
        if let spare = spareParser, nameDictionary?.isCurrent(spare.dictionary) == true {
            spareParser = nil
            parser = spare
        } else {
            letGoOfSpareContext()
            parser = LibXML2PushParser(consumer: self, names: names, dictionary: nameDictionary)
            contextsMade += 1
        }
        self.parser = parser
        contextIsSynthetic = synthetic
        contextStart = boundary
        guard synthetic else {
            contextBase = boundary
            return
        }
        let header = lastHeaderRaw ?? defaultHeader
        contextBase = boundary - header.count
        header.withUnsafeBufferPointer { parser.parse($0.baseAddress!, count: $0.count) }
        // The header's own events are not reported.
        collected.removeAll(keepingCapacity: true)
        if control != nil || depth != 1 {
            // The remembered header does not open a usable stream: fall back to the default one.
            control = nil
            lastHeaderRaw = nil
            lastHeaderScope = nil
            startContext(synthetic: true)
        }
    }

    /// Ends the current document. `keepingContext`: its libxml2 context may be kept for the next
    /// one (``spareParser``); not where nothing more is to be decoded for a while.
    func dropContext(keepingContext: Bool = true) {
        discard = nil
        itemStart = nil
        depth = 0
        openElements.removeAll()
        guard let ended = parser else {
            if !keepingContext { letGoOfSpareContext() }
            return
        }
        parser = nil
        letGoOfSpareContext()
        if keepingContext, let nameDictionary, nameDictionary.isCurrent(ended.dictionary), ended.resetForNewDocument() {
            // Kept, and its dictionary with it: the names read from it stay valid.
            spareParser = ended
            return
        }
        forgetNames()
    }

    /// Frees the kept context, if any.
    private func letGoOfSpareContext() {
        guard spareParser != nil else { return }
        spareParser = nil
        forgetNames()
    }

    /// A context is let go of: the dictionary may go with it (its own, or a shared one it was the
    /// last to use), and its pointers be reused.
    private func forgetNames() {
        names.forgetAll()
        namespaceCache.forgetAll()
    }

    /// Where libxml2's cursor is, as a stream offset. Once libxml2 has halted the parser its cursor
    /// is unknown: everything fed counts as consumed then.
    func contextCursor() -> Int {
        let consumed = parser?.consumed ?? 0
        guard consumed <= UInt(fedEnd - contextBase) else { return fedEnd }
        return contextBase + Int(consumed)
    }
}
