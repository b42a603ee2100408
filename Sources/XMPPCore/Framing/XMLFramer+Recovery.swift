/// Errors, limits and the way back: how the framer gives up on a broken element, reports it
/// with the bytes it skipped, and hunts for the next stanza start (``Hunt``).
extension XMLFramer {
    /// A limit was passed: inside an element's content, parse on to its end without keeping it;
    /// in a start tag (which libxml2 must hold whole), give up on it and hunt.
    /// `itemStart`: where the item the limit was measured from begins, when no element is open
    /// (bytes libxml2 has not judged yet, a start tag say); the failure is laid on it.
    func exceeded(_ kind: FramerErrorKind, at offset: Int, itemStart measuredFrom: Int? = nil) {
        let error = FramerError(kind: kind, position: window.position(at: offset))
        if !openElements.isEmpty, let start = itemStart {
            discard = Discard(error: error, start: start, skippedUpTo: start)
            openElements.removeAll()
        } else if control == nil {
            control = .failed(error)
            limitItemStart = measuredFrom
        }
    }

    /// Drops the current element and hunts for the next stanza start after it.
    func fail(_ error: FramerError, emit: (consuming FramerEvent) -> Void) {
        let openItem = openElements.isEmpty ? nil : itemStart
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
            state = .hunting(Hunt(error: discard.error, skippedStart: discard.skippedUpTo,
                                  from: min(max(error.position.offset, discard.start + 1), window.end)))
            return
        }
        let start = window.firstNonWhitespace(from: boundary) ?? boundary
        // The broken element: the one open, else the last tag begun before the error (bytes that
        // are here in any chunking), else the error's own position (text between stanzas is not
        // part of any element).
        var elementStart = max(start, min(error.position.offset, window.end))
        var huntStart = elementStart
        if let openItem {
            elementStart = openItem
            huntStart = openItem + 1
        } else if let limitStart, limitStart >= start {
            // A size limit with no element open: the item it was measured from is the one past
            // it, not the last tag before the limit (a stanza may begin there, in some chunkings).
            elementStart = limitStart
            huntStart = limitStart + 1
        } else if let tag = window.lastTag(from: start, before: error.position.offset) {
            elementStart = tag
            huntStart = tag + 1
        } else if elementStart == lastResynchronisationPoint {
            huntStart = elementStart + 1  // the same point failed again: move on
        }
        if case .malformed = error.kind, let construct = window.restrictedConstruct(at: elementStart) {
            // libxml2 rejects a DOCTYPE, comment or PI between stanzas as plain malformed XML.
            error.kind = .restricted(construct)
        }
        state = .hunting(Hunt(error: error, skippedStart: elementStart, from: min(huntStart, window.end)))
    }

    /// Emits an error with the bytes from `start` to `end` as skipped.
    func emitError(_ error: FramerError, from start: Int, to end: Int, emit: (consuming FramerEvent) -> Void) {
        var error = error
        appendSkipped(&error, from: start, to: end)
        emit(.error(error))
    }

    /// Adds `[start, end)` to the bytes an error skipped: counted whole, kept up to what an error shows.
    func appendSkipped(_ error: inout FramerError, from start: Int, to end: Int) {
        guard end > start else { return }
        error.skipped += window.heldPrefix(from: start, to: end, limit: FramerError.keptSkippedBytes - error.skipped.count)
        error.skippedCount += end - start
    }

    /// Emits a hunt's error with the bytes skipped up to `end` (the hunt is over).
    func reportHunt(_ hunt: Hunt, upTo end: Int, emit: (consuming FramerEvent) -> Void) {
        guard var error = hunt.error else { return }
        appendSkipped(&error, from: hunt.skippedStart, to: end)
        if (error.kind == .joinedMidStream || error.kind == .afterGap) && error.skippedCount == 0 { return }
        emit(.error(error))
    }

    /// While hunting, keep at most what an error displays, and let the rest go.
    func keepSkippedBytes(_ hunt: inout Hunt, upTo end: Int) {
        if var error = hunt.error, end > hunt.skippedStart {
            appendSkipped(&error, from: hunt.skippedStart, to: end)
            hunt.error = error
            hunt.skippedStart = end
        }
        boundary = max(boundary, end)
        fedEnd = max(fedEnd, end)
        window.release(upTo: end)
    }
}
