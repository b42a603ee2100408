internal import CLibXML2
#if canImport(Glibc)
import Glibc
public import XMPPBase
#endif

/// Turns one direction of an XMPP stream into stream headers, stanzas and nonzas, whatever the
/// chunking of the bytes, over libxml2's push (SAX2) parser.
///
/// The framer keeps the bytes of the element being parsed so each one comes out with its exact
/// raw bytes and offset. It handles stream restarts (a new `<?xml?>` or `<stream:stream>` after
/// STARTTLS or SASL), refuses what RFC 6120 §11.1 forbids, checks UTF-8, enforces
/// ``FramerLimits``, and after any error resynchronises at the next stanza start it can find.
/// After a `<proceed/>` (TLS) or `<compressed/>` it stops decoding and counts the remaining bytes
/// as ``opaqueBytes``. Memory stays bounded by the stanza limit whatever it is fed.
///
/// Not thread-safe: one framer per direction, fed from one place.
public final class XMLFramer {
    /// How much of each top-level element the framer builds.
    public enum Content: Sendable {
        /// The whole tree: every child, attribute and text node.
        case full
        /// The top-level element with its attributes, and the namespaces below it; the tree is
        /// built on demand by ``FramedElement/completeElement()``. Several times cheaper.
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

    /// Bytes seen after decoding stopped for TLS or compression.
    public private(set) var opaqueBytes = 0
    /// Whether decoding stopped for TLS or compression.
    public var isOpaque: Bool { if case .opaque = mode { return true } else { return false } }
    /// Every byte fed or skipped, counting gaps.
    public var totalBytes: Int { windowEnd }
    /// Bytes held right now (for tests of bounded memory).
    var bufferedByteCount: Int { window.count }

    // MARK: Bytes kept

    /// Bytes from (at most) `boundary` to the end of what was fed; `window[0]` is at `windowStart`.
    private var window: [UInt8] = []
    private var windowStart = 0
    private var windowEnd: Int { windowStart + window.count }
    /// Bytes before this offset are no longer needed; they are dropped when that is worth a copy.
    private var releasable = 0
    /// The end of the last complete top-level item: everything before it has been reported.
    private var boundary = 0
    /// How far bytes have been handed to the current libxml2 context.
    private var fedEnd = 0
    /// `\n` count and last `\n` offset before `windowStart`, and a cache of the last position asked for.
    private var linesBeforeWindow = 0
    private var lastNewlineBeforeWindow = -1
    private var positionCache = (offset: 0, line: 1, lastNewline: -1)

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

    /// An element past a limit, parsed to its end without being kept.
    private struct Discard {
        /// The limit error, with the skipped bytes copied into it so far.
        var error: FramerError
        var start: Int
        /// Bytes before this offset are in `error` already (the window lets them go while the
        /// element is parsed on, so they are copied first, as many as an error keeps).
        var skippedUpTo: Int
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
    /// The `<` of the top-level element being parsed, and the namespaces in it so far.
    private var itemStart: Int?
    private var itemNamespaces: [String] = []
    private var itemNamespacePointers: [UnsafePointer<xmlChar>?] = []
    private var discard: Discard?
    /// Where the item past a size limit begins, when no element was open (see ``exceeded``).
    private var limitItemStart: Int?
    private var collected: [FramerEvent] = []
    private var control: Control?
    /// The error waiting for the resynchronisation point, and where its skipped bytes start.
    private var pendingError: FramerError?
    private var skippedStart = 0
    private var huntFrom = 0
    private var lastResynchronisationPoint = -1
    /// libxml2 interns names in its dictionary: each pointer is converted to a String once, kept
    /// in a small direct-mapped table (a hash table costs more than the conversion it saves).
    private var names = [(pointer: UnsafePointer<xmlChar>?, name: String)](repeating: (nil, ""), count: 512)

    public init(limits: FramerLimits = .default, content: Content = .full,
                assumedContentNamespace: String = XMPPNamespace.client) {
        self.limits = limits
        self.content = content
        self.assumedContentNamespace = assumedContentNamespace
        xmppscope_xml_init()
    }

    /// Parses one top-level element's bytes under a stream header: the whole tree.
    static func parseElement(_ raw: [UInt8], header: [UInt8]) -> Element? {
        let framer = XMLFramer(limits: FramerLimits(maxStanzaBytes: max(raw.count + 1, 64), maxDepth: .max))
        var element: Element?
        let collect: (FramerEvent) -> Void = { event in
            if case .element(let framed) = event, element == nil { element = framed.element }
        }
        framer.feed(header.isEmpty ? framer.defaultHeader : header, emit: collect)
        framer.feed(raw, emit: collect)
        return element
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
            skip(to: windowEnd + bytes.count)
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
            skip(to: windowEnd + missing)
            return
        }
        if case .hunting = mode {
            finishPendingError(upTo: windowEnd, emit: emit)
        } else if let discard {
            emitError(discard.error, from: discard.skippedUpTo, to: windowEnd, emit: emit)
        } else if let start = unfinishedElementStart() {
            emitError(FramerError(kind: .cutByGap(missing: missing), position: position(at: windowEnd)),
                      from: start, to: windowEnd, emit: emit)
        }
        dropContext()
        skip(to: windowEnd + missing)
        huntFrom = windowStart
        skippedStart = windowStart
        pendingError = FramerError(kind: .afterGap, position: position(at: windowStart))
        mode = .hunting
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

    /// Starts over for a new stream (TLS was set up in front of the framer): whatever is held is dropped.
    public func resetForNewStream() {
        if case .opaque = mode { return }
        dropContext()
        skip(to: windowEnd)
        pendingError = nil
        mode = .awaitingStart(synthetic: nil)
    }

    /// Stops decoding: every byte from now on is counted as opaque (TLS or compression began).
    public func switchToOpaque() {
        if case .opaque = mode { return }
        dropContext()
        opaqueBytes += windowEnd - max(boundary, windowStart)
        skip(to: windowEnd)
        mode = .opaque
    }

    /// The data has ended: reports an element left unfinished.
    public func finish(emit: (FramerEvent) -> Void) {
        switch mode {
        case .hunting:
            finishPendingError(upTo: windowEnd, emit: emit)
        case .parsing, .awaitingStart:
            if let discard {
                emitError(discard.error, from: discard.skippedUpTo, to: windowEnd, emit: emit)
            } else if let start = unfinishedElementStart() {
                emitError(FramerError(kind: .unfinished, position: position(at: windowEnd)), from: start, to: windowEnd, emit: emit)
            }
        case .opaque:
            return
        }
        dropContext()
        skip(to: windowEnd)
        mode = .awaitingStart(synthetic: nil)
    }

    /// Where the element the data stops inside begins: the open top-level element, the stream
    /// header in progress, or the last tag begun. Trailing text outside any element is not one.
    private func unfinishedElementStart() -> Int? {
        if !builders.isEmpty, let itemStart { return itemStart }
        if context != nil && depth == 0 { return contextStart }
        if context == nil, let start = firstNonWhitespace(from: boundary) { return start }
        return lastTag(from: boundary, before: windowEnd)
    }

    // MARK: The loop

    private func run(_ emit: (FramerEvent) -> Void) {
        while true {
            switch mode {
            case .opaque:
                opaqueBytes += windowEnd - max(boundary, windowStart)
                skip(to: windowEnd)
                return

            case .hunting:
                let (found, resume) = findResynchronisationPoint(from: huntFrom)
                guard let (point, kind) = found else {
                    huntFrom = resume
                    keepSkippedBytes(upTo: huntFrom)
                    return
                }
                finishPendingError(upTo: point, emit: emit)
                lastResynchronisationPoint = point
                boundary = point
                fedEnd = point
                release(upTo: point)
                switch kind {
                case .streamStart: mode = .awaitingStart(synthetic: false)
                case .stanzaStart: mode = .awaitingStart(synthetic: true)
                case .streamClose(let length):
                    emit(.streamClosed(offset: point, raw: Array(window[(point - windowStart)..<(point + length - windowStart)])))
                    boundary = point + length
                    fedEnd = boundary
                    mode = .awaitingStart(synthetic: nil)
                }

            case .awaitingStart(let decided):
                guard let start = firstNonWhitespace(from: boundary) else {
                    skip(to: windowEnd)
                    return
                }
                let synthetic: Bool
                if let decided {
                    synthetic = decided
                } else {
                    guard let looksLikeStream = startsStream(at: start) else { return }
                    if !looksLikeStream, let first = byte(at: start), first != UInt8(ascii: "<"), first != 0xEF {
                        // Text after `</stream:stream>` (or before any element): not part of any
                        // stream. Skip it up to the next stanza start, as an error.
                        fail(FramerError(kind: .malformed("text outside any element"), position: position(at: start)), emit: emit)
                        continue
                    }
                    synthetic = !looksLikeStream
                }
                boundary = start
                fedEnd = start
                release(upTo: start)
                startContext(synthetic: synthetic)
                mode = .parsing

            case .parsing:
                if fedEnd >= windowEnd { return }
                let itemInProgress = discard == nil ? currentItemStart() : nil
                if let start = itemInProgress, fedEnd - start >= limits.maxStanzaBytes {
                    exceeded(.stanzaTooLarge(limit: limits.maxStanzaBytes), at: fedEnd, itemStart: start)
                    handlePendingControl(emit)
                    continue
                }
                // At most a stanza limit past the element in progress, and while discarding one past
                // a limit, at most a limit at a time: an element that begins after the discarded one
                // ends, within the same xmlParseChunk call, must not escape the size check.
                let end = min(windowEnd, (itemInProgress ?? fedEnd) + limits.maxStanzaBytes)
                let (validEnd, invalid) = validateCharacters(from: fedEnd, to: end)
                if validEnd > fedEnd {
                    parse(upTo: validEnd)
                    for event in collected { emit(event) }
                    collected.removeAll(keepingCapacity: true)
                    if handlePendingControl(emit) { continue }
                    afterParse()
                }
                if fedEnd == validEnd, let invalid {
                    fail(FramerError(kind: .malformed(invalid.message), position: position(at: invalid.offset)), emit: emit)
                    continue
                }
                if validEnd == fedEnd && validEnd < end { return }  // a UTF-8 sequence not yet complete
            }
        }
    }

    /// Handles a control a callback set; returns whether there was one.
    @discardableResult
    private func handlePendingControl(_ emit: (FramerEvent) -> Void) -> Bool {
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
            release(upTo: end)
        } else if depth == 1 && builders.isEmpty {
            let cursor = contextCursor()
            if cursor > boundary { boundary = cursor }
            release(upTo: boundary)
        } else {
            release(upTo: boundary)
        }
    }

    /// The `<` of the top-level element (or stream header) in progress, if one is.
    private func currentItemStart() -> Int? {
        if !builders.isEmpty { return itemStart }
        if depth == 0 { return contextStart }
        return firstTag(from: max(boundary, contextCursor()))
    }

    private func parse(upTo end: Int) {
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
                fail(FramerError(kind: .malformed("a stream header that cannot start a stream"), position: position(at: at)), emit: emit)
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
            release(upTo: at)
            mode = .awaitingStart(synthetic: nil)
        case .failed(let error):
            fail(error, emit: emit)
        case .opaque(let at):
            dropContext()
            opaqueBytes += windowEnd - at
            skip(to: windowEnd)
            mode = .opaque
        }
    }

    /// A limit was passed: inside an element's content, parse on to its end without keeping it;
    /// in a start tag (which libxml2 must hold whole), give up on it and hunt.
    /// `itemStart`: where the item the limit was measured from begins, when no element is open
    /// (bytes libxml2 has not judged yet, a start tag say); the failure is laid on it.
    private func exceeded(_ kind: FramerErrorKind, at offset: Int, itemStart measuredFrom: Int? = nil) {
        let error = FramerError(kind: kind, position: position(at: offset))
        if !builders.isEmpty, let start = itemStart {
            discard = Discard(error: error, start: start, skippedUpTo: start)
            builders.removeAll(keepingCapacity: true)
        } else if control == nil {
            control = .failed(error)
            limitItemStart = measuredFrom
        }
    }

    /// Drops the current element and hunts for the next stanza start after it.
    private func fail(_ error: FramerError, emit: (FramerEvent) -> Void) {
        let openItem = builders.isEmpty ? nil : itemStart
        let limitStart = limitItemStart
        limitItemStart = nil
        let discard = self.discard  // dropContext() clears it
        dropContext()
        var error = error
        if let discard {
            // The element past a limit broke before its end: report the limit, hunt after the break
            // (the error's position, taken while libxml2's cursor was still known). Not from the
            // cursor now: once libxml2 has halted it is lost and counts as everything fed, which
            // depends on the chunking and may lie past the next stanza.
            pendingError = discard.error
            skippedStart = discard.skippedUpTo
            huntFrom = min(max(error.position.offset, discard.start + 1), windowEnd)
            mode = .hunting
            return
        }
        let start = firstNonWhitespace(from: boundary) ?? boundary
        // The broken element: the one open, else the last tag begun before the error (bytes that
        // are here in any chunking), else the error's own position (text between stanzas is not
        // part of any element).
        var elementStart = max(start, min(error.position.offset, windowEnd))
        var huntStart = elementStart
        if let openItem {
            elementStart = openItem
            huntStart = openItem + 1
        } else if let limitStart, limitStart >= start {
            // A size limit with no element open: the item it was measured from is the one past
            // it, not the last tag before the limit (a stanza may begin there, in some chunkings).
            elementStart = limitStart
            huntStart = limitStart + 1
        } else if let tag = lastTag(from: start, before: error.position.offset) {
            elementStart = tag
            huntStart = tag + 1
        } else if elementStart == lastResynchronisationPoint {
            huntStart = elementStart + 1  // the same point failed again: move on
        }
        if case .malformed = error.kind, let construct = restrictedConstruct(at: elementStart) {
            // libxml2 rejects a DOCTYPE, comment or PI between stanzas as plain malformed XML.
            error.kind = .restricted(construct)
        }
        pendingError = error
        skippedStart = elementStart
        huntFrom = min(huntStart, windowEnd)
        mode = .hunting
    }

    /// The RFC 6120 §11.1 construct that starts at `offset`, if one does.
    private func restrictedConstruct(at offset: Int) -> RestrictedConstruct? {
        if starts(with: "<!DOCTYPE", at: offset) || starts(with: "<!ENTITY", at: offset) { return .documentTypeDeclaration(name: "") }
        if starts(with: "<!--", at: offset) { return .comment }
        if starts(with: "<?", at: offset) && !starts(with: "<?xml", at: offset) { return .processingInstruction(target: "") }
        return nil
    }

    /// Emits an error with the bytes from `start` to `end` as skipped.
    private func emitError(_ error: FramerError, from start: Int, to end: Int, emit: (FramerEvent) -> Void) {
        var error = error
        appendSkipped(&error, from: start, to: end)
        emit(.error(error))
    }

    private func appendSkipped(_ error: inout FramerError, from start: Int, to end: Int) {
        guard end > start else { return }
        let kept = max(start, windowStart)
        let room = FramerError.keptSkippedBytes - error.skipped.count
        if room > 0 && end > kept {
            error.skipped += window[(kept - windowStart)..<(min(end, kept + room) - windowStart)]
        }
        error.skippedCount += end - start
    }

    /// Emits the pending error with the bytes skipped up to `end`.
    private func finishPendingError(upTo end: Int, emit: (FramerEvent) -> Void) {
        guard var error = pendingError else { return }
        pendingError = nil
        appendSkipped(&error, from: skippedStart, to: end)
        skippedStart = end
        if (error.kind == .joinedMidStream || error.kind == .afterGap) && error.skippedCount == 0 { return }
        emit(.error(error))
    }

    /// While hunting, keep at most what an error displays, and let the rest go.
    private func keepSkippedBytes(upTo end: Int) {
        if var error = pendingError, end > skippedStart {
            appendSkipped(&error, from: skippedStart, to: end)
            pendingError = error
            skippedStart = end
        }
        boundary = max(boundary, end)
        fedEnd = max(fedEnd, end)
        release(upTo: end)
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
        contextIsSynthetic = synthetic
        contextStart = boundary
        guard synthetic else {
            contextBase = boundary
            return
        }
        let header = lastHeaderRaw ?? defaultHeader
        contextBase = boundary - header.count
        header.withUnsafeBufferPointer { buffer in
            let pointer = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            _ = xmlParseChunk(context, pointer, Int32(buffer.count), 0)
        }
        // The header's own events are not reported.
        collected.removeAll(keepingCapacity: true)
        if control != nil || depth != 1 {
            // The remembered header does not open a usable stream: fall back to the default one.
            control = nil
            lastHeaderRaw = nil
            startContext(synthetic: true)
        }
    }

    var defaultHeader: [UInt8] {
        Array("<stream:stream xmlns='\(assumedContentNamespace)' xmlns:stream='\(XMPPNamespace.streams)'>".utf8)
    }

    private func dropContext() {
        discard = nil
        itemStart = nil
        depth = 0
        builders.removeAll(keepingCapacity: true)
        guard let context else { return }
        xmlFreeParserCtxt(context)
        self.context = nil
        // The dictionary goes with the context: its pointers may be reused.
        for index in names.indices { names[index].pointer = nil }
    }

    /// Where libxml2's cursor is, as a stream offset. Once libxml2 has halted the parser its cursor
    /// is unknown (the shim says ULONG_MAX): everything fed counts as consumed then.
    private func contextCursor() -> Int {
        let consumed = xmppscope_xml_consumed(context)
        guard consumed <= UInt(fedEnd - contextBase) else { return fedEnd }
        return contextBase + Int(consumed)
    }

    private func stop() {
        xmlStopParser(context)
    }

    // MARK: Characters

    /// A byte that is not UTF-8 or not an XML character, with a message.
    private struct InvalidCharacter {
        var offset: Int
        var message: String
    }

    /// Checks bytes from `from` to about `to`: returns how far they are complete, valid UTF-8 XML
    /// characters (a sequence may end up to three bytes past `to`), and the first invalid one.
    /// A sequence cut at the end of the data is left for the next call.
    private func validateCharacters(from: Int, to: Int) -> (Int, InvalidCharacter?) {
        window.withUnsafeBufferPointer { buffer in
            let base = windowStart
            var index = from - base
            let end = to - base
            while index < end {
                // Eight plain printable ASCII bytes at a time.
                if index + 8 <= end {
                    let word = UnsafeRawPointer(buffer.baseAddress! + index).loadUnaligned(as: UInt64.self)
                    let lowBytes = (word &- 0x2020_2020_2020_2020) & ~word & 0x8080_8080_8080_8080
                    if word & 0x8080_8080_8080_8080 == 0 && lowBytes == 0 {
                        index += 8
                        continue
                    }
                }
                let byte = buffer[index]
                if byte < 0x80 {
                    if byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D {
                        let name = byte == 0 ? "a NUL byte" : "control character 0x\(String(byte, radix: 16))"
                        return (index + base, InvalidCharacter(offset: index + base, message: "\(name) is not allowed in XML"))
                    }
                    index += 1
                    continue
                }
                let length: Int
                var lowest: UInt8 = 0x80, highest: UInt8 = 0xBF
                switch byte {
                case 0xC2...0xDF: length = 2
                case 0xE0: length = 3; lowest = 0xA0
                case 0xE1...0xEC, 0xEE...0xEF: length = 3
                case 0xED: length = 3; highest = 0x9F
                case 0xF0: length = 4; lowest = 0x90
                case 0xF1...0xF3: length = 4
                case 0xF4: length = 4; highest = 0x8F
                default:
                    return (index + base, InvalidCharacter(offset: index + base, message: "invalid UTF-8 (byte 0x\(String(byte, radix: 16)))"))
                }
                for next in 1..<length {
                    // A sequence may run past `to`; one cut at the end of the data waits for more.
                    guard index + next < buffer.count else { return (index + base, nil) }
                    let continuation = buffer[index + next]
                    let low = next == 1 ? lowest : 0x80
                    let high = next == 1 ? highest : 0xBF
                    guard continuation >= low && continuation <= high else {
                        return (index + base, InvalidCharacter(offset: index + base, message: "invalid UTF-8 (byte 0x\(String(byte, radix: 16)) followed by 0x\(String(continuation, radix: 16)))"))
                    }
                }
                index += length
            }
            // Past `to` when the last sequence straddles it: never in the middle of a character.
            return (index + base, nil)
        }
    }

    // MARK: Byte helpers

    private func byte(at offset: Int) -> UInt8? {
        let index = offset - windowStart
        guard index >= 0, index < window.count else { return nil }
        return window[index]
    }

    private func starts(with token: String, at offset: Int) -> Bool {
        for (index, expected) in token.utf8.enumerated() where byte(at: offset + index) != expected { return false }
        return true
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

    /// The first `<` at or after `offset`.
    private func firstTag(from offset: Int) -> Int? {
        var index = max(offset, windowStart) - windowStart
        while index < window.count {
            if window[index] == UInt8(ascii: "<") { return index + windowStart }
            index += 1
        }
        return nil
    }

    /// The last `<` in `[from, before)`.
    private func lastTag(from: Int, before: Int) -> Int? {
        var index = min(before, windowEnd) - 1
        while index >= max(from, windowStart) {
            if window[index - windowStart] == UInt8(ascii: "<") { return index }
            index -= 1
        }
        return nil
    }

    /// The first `<` at or after `offset` that opens an element (skipping `<?…?>` and `<!…>`).
    private func firstElementTag(from offset: Int) -> Int? {
        var index = max(offset, windowStart)
        while let candidate = firstTag(from: index) {
            if let next = byte(at: candidate + 1), next != UInt8(ascii: "?"), next != UInt8(ascii: "!") { return candidate }
            index = candidate + 1
        }
        return nil
    }

    /// The `<` that opens the tag ending at `offset` (attribute values cannot hold a `<`).
    private func tagStart(before offset: Int) -> Int? {
        let lower = max(boundary, contextStart, windowStart)
        var index = min(offset, windowEnd) - 1
        while index >= lower {
            if window[index - windowStart] == UInt8(ascii: "<") { return index }
            index -= 1
        }
        return nil
    }

    /// Whether the bytes at `offset` open a stream (`<?xml` or a tag named `…stream`); nil until
    /// enough bytes are in to tell.
    private func startsStream(at offset: Int) -> Bool? {
        var bytes = window[(offset - windowStart)...]
        let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
        if bytes.count < 3 && byteOrderMark.starts(with: bytes) { return nil }
        if bytes.starts(with: byteOrderMark) { bytes = bytes.dropFirst(3) }
        guard let first = bytes.first else { return nil }
        guard first == UInt8(ascii: "<") else { return false }
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

    /// Moves past everything before `offset` (which may be beyond what was fed: a gap).
    private func skip(to offset: Int) {
        if offset >= windowEnd {
            countNewlines(before: windowEnd)
            window.removeAll(keepingCapacity: true)
            windowStart = offset
            releasable = offset
        } else {
            release(upTo: offset)
        }
        boundary = max(boundary, offset)
        fedEnd = max(fedEnd, offset)
    }

    /// Marks bytes before `offset` as no longer needed; drops them when that is worth a copy.
    private func release(upTo offset: Int) {
        releasable = max(releasable, min(offset, windowEnd))
        let droppable = releasable - windowStart
        guard droppable >= 4096 && droppable * 2 >= window.count else { return }
        countNewlines(before: releasable)
        window.removeFirst(droppable)
        windowStart = releasable
    }

    private func countNewlines(before offset: Int) {
        let count = min(offset, windowEnd) - windowStart
        guard count > 0 else { return }
        if positionCache.offset >= windowStart && positionCache.offset <= windowStart + count {
            // Continue from the cached position instead of from the window's start.
            linesBeforeWindow = positionCache.line - 1
            lastNewlineBeforeWindow = positionCache.lastNewline
            let (lines, last) = XMLFramer.newlines(in: (positionCache.offset - windowStart)..<count, of: window)
            linesBeforeWindow += lines
            if let last { lastNewlineBeforeWindow = windowStart + last }
            return
        }
        let (lines, last) = XMLFramer.newlines(in: 0..<count, of: window)
        linesBeforeWindow += lines
        if let last { lastNewlineBeforeWindow = windowStart + last }
    }

    /// How many `\n` are in `range` of `bytes`, and the index of the last one (memchr-fast).
    private static func newlines(in range: Range<Int>, of bytes: [UInt8]) -> (Int, Int?) {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, !range.isEmpty else { return (0, nil) }
            var count = 0
            var last: Int?
            var index = range.lowerBound
            while index < range.upperBound,
                  let found = memchr(base + index, 0x0A, range.upperBound - index) {
                let position = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                count += 1
                last = position
                index = position + 1
            }
            return (count, last)
        }
    }

    /// Line and column of an offset inside the window (or at its end).
    func position(at offset: Int) -> StreamPosition {
        let target = min(max(offset, windowStart), windowEnd)
        var (from, line, lastNewline) = (windowStart, linesBeforeWindow + 1, lastNewlineBeforeWindow)
        if positionCache.offset >= windowStart && positionCache.offset <= target {
            (from, line, lastNewline) = positionCache
        }
        let (lines, last) = XMLFramer.newlines(in: (from - windowStart)..<(target - windowStart), of: window)
        line += lines
        if let last { lastNewline = windowStart + last }
        positionCache = (target, line, lastNewline)
        return StreamPosition(offset: offset, line: line, column: offset - lastNewline)
    }

    // MARK: Resynchronisation

    /// The next place decoding can start again, or (when there is none yet) where to look next time.
    private func findResynchronisationPoint(from offset: Int) -> ((Int, ResynchronisationPoint)?, Int) {
        var index = max(offset, windowStart) - windowStart
        return window.withUnsafeBufferPointer { buffer in
            while index < buffer.count {
                guard buffer[index] == UInt8(ascii: "<") else { index += 1; continue }
                switch ResynchronisationPoint.match(buffer, at: index) {
                case .found(let point): return ((index + windowStart, point), index + windowStart)
                case .needMoreBytes: return (nil, index + windowStart)
                case .no: index += 1
                }
            }
            return (nil, windowEnd)
        }
    }

    // MARK: SAX callbacks

    fileprivate func startElement(
        localName: UnsafePointer<xmlChar>?, prefix: UnsafePointer<xmlChar>?, uri: UnsafePointer<xmlChar>?,
        namespaceCount: Int, namespaces: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?,
        attributeCount: Int, attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
    ) {
        if control != nil { return }
        depth += 1
        if let discard {
            // libxml2 keeps a stack entry for every open element, however deep: past a bound, stop
            // following the element and resynchronise after it, or memory grows with the nesting.
            if depth - limits.maxDepth > max(limits.maxDepth, 1024) {
                // At this start tag: ``fail(_:emit:)`` hunts from the position of the error it gets.
                control = .failed(FramerError(kind: discard.error.kind, position: position(at: contextCursor())))
                stop()
            }
            return
        }
        if content == .topLevel && depth > 2 {
            // Below the top: only its namespace (and a misspelt xmlns) matter.
            if !itemNamespacePointers.contains(uri) {
                itemNamespacePointers.append(uri)
                if let namespace = interned(uri) { itemNamespaces.append(namespace) }
            }
            if attributeCount > 0 { checkForMisspeltNamespaceDeclarations(attributeCount, attributes, localName: localName) }
            if depth - 1 > limits.maxDepth { exceeded(.tooDeep(limit: limits.maxDepth), at: contextCursor()) }
            return
        }
        let name = interned(localName) ?? ""
        let namespace = interned(uri)

        if depth == 1 {
            if contextIsSynthetic { return }
            if name != "stream" {
                // A document whose root is a stanza: frame it as one.
                restart(at: firstElementTag(from: boundary) ?? boundary, synthetic: true)
                return
            }
            let end = tagEnd()
            let header = Element(
                name: name, prefix: interned(prefix), namespace: namespace,
                attributes: makeAttributes(attributeCount, attributes),
                namespaceDeclarations: namespaceDeclarations(namespaceCount, namespaces)
            )
            let raw = Array(window[(contextStart - windowStart)..<(end - windowStart)])
            if !raw.ends(with: Array("/>".utf8)) { lastHeaderRaw = raw }
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
            itemNamespaces.removeAll(keepingCapacity: true)
            itemNamespacePointers.removeAll(keepingCapacity: true)
        }
        if !itemNamespacePointers.contains(uri) {
            itemNamespacePointers.append(uri)
            if let namespace { itemNamespaces.append(namespace) }
        }
        checkForMisspeltNamespaceDeclarations(attributeCount, attributes, localName: localName)
        if depth - 1 > limits.maxDepth {
            exceeded(.tooDeep(limit: limits.maxDepth), at: contextCursor())
            return
        }
        let attributes = makeAttributes(attributeCount, attributes)
        if let parent = builders.indices.last { builders[parent].flushText() }
        builders.append(ElementBuilder(element: Element(
            name: name, prefix: interned(prefix), namespace: namespace,
            attributes: attributes,
            namespaceDeclarations: namespaceDeclarations(namespaceCount, namespaces)
        )))
    }

    /// Flags `cmlns=`-style attributes: looks at the names only, without building strings.
    private func checkForMisspeltNamespaceDeclarations(
        _ count: Int, _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, localName: UnsafePointer<xmlChar>?
    ) {
        guard count > 0, let attributes else { return }
        for index in 0..<count where attributes[5 * index + 1] == nil {
            guard let attributeName = attributes[5 * index], String.mayBeMisspeltXMLNS(attributeName) else { continue }
            let name = String(cString: attributeName)
            guard name.isMisspeltXMLNS else { continue }
            collected.append(.error(FramerError(
                kind: .misspeltNamespaceDeclaration(attribute: name, element: interned(localName) ?? ""),
                position: position(at: contextCursor())
            )))
        }
    }

    fileprivate func endElement() {
        if control != nil { return }
        depth -= 1
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
        if content == .topLevel && depth > 1 { return }
        guard var finished = builders.popLast() else { return }
        finished.flushText()
        if let parent = builders.indices.last {
            builders[parent].flushText()
            builders[parent].element.children.append(.element(finished.element))
            return
        }
        // A complete top-level element.
        let end = contextCursor()
        let start = itemStart ?? boundary
        let raw = Array(window[(start - windowStart)..<(min(end, windowEnd) - windowStart)])
        collected.append(.element(FramedElement(
            element: finished.element, raw: raw, offset: start, namespaces: itemNamespaces,
            isComplete: content == .full, header: content == .full ? [] : (lastHeaderRaw ?? [])
        )))
        itemStart = nil
        boundary = end
        let element = finished.element
        if element.name == "proceed" && element.namespace == XMPPNamespace.tls && !stopsAtProceed {
            // TLS is terminated in front of us: a new stream starts after it.
            control = .closed(at: end)
            stop()
        } else if (element.name == "proceed" && element.namespace == XMPPNamespace.tls)
            || (element.name == "compressed" && element.namespace == XMPPNamespace.compress) {
            control = .opaque(at: end)
            stop()
        }
    }

    /// `</stream:stream>`, or the end of a self-closing `<stream:stream/>`.
    private func closeStream() {
        let end = contextCursor()
        let start = tagStart(before: end) ?? boundary
        if starts(with: "</", at: start) {
            collected.append(.streamClosed(offset: start, raw: Array(window[(start - windowStart)..<(end - windowStart)])))
        } else {
            collected.append(.streamClosed(offset: end, raw: []))
        }
        control = .closed(at: end)
        stop()
    }

    private func restart(at offset: Int, synthetic: Bool) {
        // libxml2 reported namespace problems of the restarting tag already; the new context will again.
        collected.removeAll { event in
            if case .error(let error) = event { return error.isRecoverable && error.position.offset >= offset }
            return false
        }
        control = .restart(at: offset, synthetic: synthetic)
        stop()
    }

    fileprivate func characters(_ bytes: UnsafePointer<xmlChar>?, count: Int) {
        guard control == nil, discard == nil, let bytes, count > 0 else { return }
        guard let last = builders.indices.last else {
            // Text or CDATA between top-level elements is done with once reported.
            if depth == 1 { boundary = max(boundary, contextCursor()) }
            return
        }
        if content == .topLevel && depth > 2 { return }
        builders[last].pendingText.append(contentsOf: UnsafeBufferPointer(start: bytes, count: count))
    }

    fileprivate func refuse(_ construct: RestrictedConstruct) {
        guard control == nil, discard == nil else { return }
        control = .failed(FramerError(kind: .restricted(construct), position: position(at: contextCursor())))
        stop()
    }

    fileprivate func structuredError(_ error: UnsafePointer<xmlError>) {
        let level = error.pointee.level
        let code = error.pointee.code
        if level == XML_ERR_WARNING || code == Int32(XML_ERR_USER_STOP.rawValue) { return }
        guard control == nil else { return }
        var message = error.pointee.message.map { String(cString: $0) }?
            .trimmingTrailingNewlines() ?? "libxml2 error \(code)"
        if contextIsSynthetic && depth == 1 && builders.isEmpty && code == Int32(XML_ERR_TAG_NAME_MISMATCH.rawValue) {
            // An end tag at the top of a header the framer supplied: libxml2 would name that header.
            message = "an end tag without its start tag"
        }
        if level == XML_ERR_ERROR {
            // Recoverable (namespace errors): report and go on.
            if discard == nil {
                collected.append(.error(FramerError(kind: .namespace(message), position: position(at: contextCursor()))))
            }
            return
        }
        if depth == 1 && builders.isEmpty && discard == nil,
           let start = lastTag(from: boundary, before: contextCursor()), starts(with: "<?xml", at: start) {
            // `<?xml` after a stream's content: the peer restarted the stream (after SASL, say).
            restart(at: start, synthetic: false)
            return
        }
        let cursor = contextCursor()
        if code == Int32(XML_ERR_INTERNAL_ERROR.rawValue) && !builders.isEmpty, let construct = restrictedConstruct(at: cursor) {
            // A DOCTYPE inside a stanza: libxml2 only says "detected an error in element content".
            // (It waits for nine bytes after `<!` in content, so the whole `<!DOCTYPE` is in.)
            control = .failed(FramerError(kind: .restricted(construct), position: position(at: cursor)))
            stop()
            return
        }
        control = .failed(FramerError(kind: .malformed(message), position: position(at: cursor)))
        stop()
    }

    // MARK: Callback helpers

    private func interned(_ pointer: UnsafePointer<xmlChar>?) -> String? {
        guard let pointer else { return nil }
        let slot = Int(truncatingIfNeeded: UInt(bitPattern: pointer) >> 3) & (names.count - 1)
        if names[slot].pointer == pointer { return names[slot].name }
        let name = String(cString: pointer)
        names[slot] = (pointer, name)
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
            let bytes = UnsafeBufferPointer(start: start, count: end - start)
            let value = String(decoding: bytes, as: UTF8.self)
            result.append(Attribute(
                name: interned(attributes[base]) ?? "",
                prefix: interned(attributes[base + 1]),
                namespace: interned(attributes[base + 2]),
                value: bytes.contains(UInt8(ascii: "&")) ? value.unescapingXMLEntities() : value
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

    enum Match {
        case found(ResynchronisationPoint)
        case needMoreBytes
        case no
    }

    /// Names that open a top-level element in XMPP (stanzas and common nonzas).
    private static let stanzaNames: Set<[UInt8]> = Set([
        "iq", "message", "presence", "auth", "success", "failure", "challenge", "response", "abort",
        "proceed", "starttls", "handshake", "route", "xdb", "enable", "enabled", "resume", "resumed",
        "failed", "compress", "compressed",
    ].map { Array($0.utf8) })
    private static let streamName = Array("stream:stream".utf8)
    private static let longestName = 32

    /// What the `<` at `index` opens, read up to the end of its name.
    static func match(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int) -> Match {
        var position = index + 1
        let closing = position < buffer.count && buffer[position] == UInt8(ascii: "/")
        if closing { position += 1 }
        let nameStart = position
        while position < buffer.count, isNameByte(buffer[position]) {
            position += 1
            if position - nameStart > longestName { return .no }
        }
        guard position < buffer.count else { return .needMoreBytes }
        let name = Array(buffer[nameStart..<position])
        let delimiter = buffer[position]
        let delimited = delimiter == 0x20 || delimiter == 0x09 || delimiter == 0x0A || delimiter == 0x0D
            || delimiter == UInt8(ascii: ">") || delimiter == UInt8(ascii: "/")
        if closing {
            guard name == streamName else { return .no }
            var end = position
            while end < buffer.count, [0x20, 0x09, 0x0A, 0x0D].contains(buffer[end]) { end += 1 }
            guard end < buffer.count else { return .needMoreBytes }
            return buffer[end] == UInt8(ascii: ">") ? .found(.streamClose(length: end + 1 - index)) : .no
        }
        if name == Array("?xml".utf8) { return delimited ? .found(.streamStart) : .no }
        guard delimited else { return .no }
        if name == streamName { return .found(.streamStart) }
        if name.starts(with: Array("stream:".utf8)) || name.starts(with: Array("db:".utf8)) { return .found(.stanzaStart) }
        return stanzaNames.contains(name) ? .found(.stanzaStart) : .no
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: ":"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "?"):
            return true
        default:
            return byte >= 0x80
        }
    }
}

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
    static func mayBeMisspeltXMLNS(_ name: UnsafePointer<UInt8>) -> Bool {
        var length = 0
        var matches = 0
        while name[length] != 0 {
            switch name[length] {
            case UInt8(ascii: "x"), UInt8(ascii: "m"), UInt8(ascii: "l"), UInt8(ascii: "n"), UInt8(ascii: "s"): matches += 1
            default: break
            }
            length += 1
            if length > 6 { return false }
        }
        return length >= 4 && matches >= 3
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
