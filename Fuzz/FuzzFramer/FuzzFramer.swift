import FuzzSupport
import XMPPCore
import XMPPBase

/// libFuzzer target for ``XMLFramer``: arbitrary bytes, fed in chunks the input chooses, in both
/// content modes (top-level with or without packed attributes and with or without some elements
/// built whole by a ``WholeElementSelection``, as the inspector and the proxy's follower frame),
/// sometimes under tiny limits (so the stanza-size, depth and resynchronisation paths run), with
/// gaps, resynchronisation and a stream reset sprinkled in, and pieces that are valid text
/// sometimes fed as checked (``XMLFramer/feed(_:checked:emit:)``).
///
/// Input layout: `flags`, two limit bytes (under small limits, the stanza size and the depth
/// limit; in top-level runs, `flags & 0x01`, the second's bit 0x80 clear packs attributes and its
/// bit 0x40 clear builds some elements whole), four chunk-size bytes, four operation bytes, then
/// the stream bytes. Besides crashes and sanitizer reports it checks what must hold whatever the
/// bytes: every element's `raw` is exactly the bytes at its offset, offsets never go backwards,
/// and, without gaps, resets or a restart, the elements do not depend on how the bytes were
/// chunked, and where a top-level run and a whole-tree one frame as many elements, an element
/// built whole in the first is the tree the second builds of the same bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFramer(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(data, count: count)
    let flags = input.byte()
    let content: XMLFramer.Content = flags & 0x01 == 0 ? .full : .topLevel
    let smallLimits = flags & 0x02 != 0
    let limitBytes = (input.byte(), input.byte())
    let limits = smallLimits
        ? FramerLimits(maxStanzaBytes: 8 + Int(limitBytes.0) * 2, maxDepth: 1 + Int(limitBytes.1 % 12))
        : .default
    var plan = ChunkPlan(from: &input, count: 4)
    let operations = Array(input.take(4))
    let payload = input.rest

    let topLevel = TopLevelSetting(packs: limitBytes.1 & 0x80 == 0, selects: limitBytes.1 & 0x40 == 0)
    let run = FramerRun(limits: limits, content: content, flags: flags, topLevel: topLevel)
    // Feeding valid pieces as checked (0x08) must change nothing: a twin fed the same pieces
    // unchecked reports the same events, errors and their positions included.
    let twin = flags & 0x08 != 0
        ? FramerRun(limits: limits, content: content, flags: flags & ~0x08, topLevel: topLevel) : nil
    let pieces = plan.split(payload)
    var usedOperations = false
    for (index, piece) in pieces.enumerated() {
        let operation = operations.isEmpty ? 0 : operations[index % operations.count]
        if flags & 0x10 != 0 {
            usedOperations = run.apply(operation) || usedOperations
            _ = twin?.apply(operation)
        }
        run.feed(piece)
        twin?.feed(piece)
    }
    run.finish()
    twin?.finish()
    if let twin, twin.events != run.events {
        fatalError("feeding as checked changed the events\nunchecked: \(twin.events.map(describe))\nchecked:   \(run.events.map(describe))")
    }
    // Fed again after finish: the framer must start over cleanly.
    if flags & 0x20 != 0, let first = pieces.first {
        run.feed(first)
        run.finish()
    }

    // The same bytes in one piece: the same elements, whatever the chunking (the framer's tests
    // hold it to the same events, Tests/XMPPCoreTests/FramerRegressionTests.swift).
    if !usedOperations && flags & 0x20 == 0 {
        let whole = FramerRun(limits: limits, content: content, flags: flags, topLevel: topLevel)
        whole.feed(payload)
        whole.finish()
        // The elements must not depend on the chunking. The errors still may: which error a
        // malformed start tag gets (libxml2's own, a size limit, or an invalid character further
        // on) depends on how much of it libxml2 saw at once (known and reported; reproducers in
        // Fuzz/corpus/known/), so they are not compared.
        if whole.elements != run.elements {
            let first = zip(whole.elements, run.elements).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                ?? min(whole.elements.count, run.elements.count)
            fatalError("chunking changed the elements (first difference: element \(first))\n"
                       + "whole:   \(whole.events.map(describe))\nchunked: \(run.events.map(describe))")
        }
    }

    // An element built whole in top-level mode is the tree a whole-tree framer builds of the same
    // bytes. Compared only where both framed the same elements (the modes may differ in where an
    // error falls, which is not what this checks).
    if content == .topLevel && topLevel.selects && !usedOperations && flags & 0x20 == 0 {
        let full = FramerRun(limits: limits, content: .full, flags: flags, topLevel: topLevel)
        full.feed(payload)
        full.finish()
        let (framed, trees) = (run.elements, full.elements)
        if framed.count == trees.count {
            for (index, (element, tree)) in zip(framed, trees).enumerated() where element.isComplete {
                if element.offset == tree.offset && element.raw == tree.raw && element.element != tree.element {
                    fatalError("element \(index), built whole in top-level mode, differs from the whole-tree framer's\n"
                               + "top-level: \(element.element.xmlString)\nwhole:     \(tree.element.xmlString)")
                }
            }
        }
    }
    return 0
}

/// How a top-level run frames: whether it packs the top element's attributes (the inspector
/// does, the proxy's follower does not) and builds some elements whole.
private struct TopLevelSetting {
    let packs: Bool
    let selects: Bool
}

/// What a top-level framer builds whole here: the inspector's kinds of choice (a type, a name in
/// any namespace, a name in one, a namespace).
private let fuzzWholeElements = WholeElementSelection(
    errorType: true, names: [("failure", nil), ("features", XMPPNamespace.streams)], namespaces: [XMPPNamespace.sasl]
)

/// An event in a line, for a failure message.
private func describe(_ event: FramerEvent) -> String {
    switch event {
    case .element(let framed): return "element <\(framed.element.name)> at \(framed.offset)+\(framed.raw.count)"
    case .error(let error): return "error \(error.kind) at \(error.position), skipped \(error.skippedCount)"
    case .streamOpened(let header): return "stream open at \(header.offset)+\(header.raw.count)"
    case .streamClosed(let offset, let raw): return "stream close at \(offset)+\(raw.count)"
    }
}

/// One framer fed one way, checking each event as it comes.
private final class FramerRun {
    let framer: XMLFramer
    /// Every byte fed, at its stream offset (gaps leave no bytes: offsets past a gap are not checked).
    private var fed: [UInt8] = []
    private var checkable = true
    private var lastOffset = 0
    /// Whether pieces that are valid text are fed as checked.
    private let feedsChecked: Bool
    /// Every event, for the chunking comparison.
    private(set) var events: [FramerEvent] = []
    /// The elements among them.
    var elements: [FramedElement] {
        events.compactMap { if case .element(let framed) = $0 { return framed } else { return nil } }
    }

    init(limits: FramerLimits, content: XMLFramer.Content, flags: UInt8, topLevel: TopLevelSetting) {
        framer = XMLFramer(limits: limits, content: content,
                           assumedContentNamespace: flags & 0x40 == 0 ? XMPPNamespace.client : XMPPNamespace.server)
        framer.stopsAtProceed = flags & 0x80 == 0
        if content == .topLevel {
            framer.packsAttributes = topLevel.packs
            if topLevel.selects { framer.wholeElements = fuzzWholeElements }
        }
        feedsChecked = flags & 0x08 != 0
        if flags & 0x04 != 0 { framer.resynchronize() }
    }

    /// Applies an operation byte before a chunk; returns whether it did anything that makes the
    /// framer's output depend on chunking (a gap, a reset).
    func apply(_ operation: UInt8) -> Bool {
        switch operation >> 4 {
        case 0xF:
            framer.gap(missing: Int(operation & 0x0F) + 1, emit: check)
            checkable = false
            return true
        case 0xE:
            framer.resetForNewStream()
            return true
        case 0xD where operation & 0x0F == 0x0F:
            framer.switchToOpaque()
            return true
        case 0xC:
            // A no-op once bytes were fed; before the first, the framer hunts, as the runs it is
            // compared with do not.
            let tookEffect = framer.totalBytes == 0
            framer.resynchronize()
            return tookEffect
        default:
            return false
        }
    }

    func feed(_ bytes: ArraySlice<UInt8>) {
        if checkable { fed.append(contentsOf: bytes) }
        guard feedsChecked else {
            framer.feed(bytes, emit: check)
            return
        }
        // As the reading thread does: a piece that is valid text is fed as checked.
        Array(bytes).withUnsafeBytes { framer.feed($0, checked: XMLFramer.isValidXMLText($0), emit: check) }
    }

    func finish() {
        framer.finish(emit: check)
    }

    private func check(_ event: FramerEvent) {
        events.append(event)
        switch event {
        case .element(let framed):
            precondition(framed.offset >= lastOffset, "element offset \(framed.offset) before \(lastOffset)")
            precondition(framed.raw.first == UInt8(ascii: "<"), "element raw does not start with '<'")
            precondition(framed.offset + framed.raw.count <= framer.totalBytes, "element ends past the bytes fed")
            if checkable {
                let stored = Array(fed[framed.offset..<(framed.offset + framed.raw.count)])
                precondition(stored == framed.raw, "element raw is not the bytes at its offset \(framed.offset)")
            }
            lastOffset = framed.offset
            let complete = framed.completeElement()
            precondition(complete.name == framed.element.name, "completeElement() changed the name")
            _ = complete.xmlString
        case .streamOpened(let header):
            precondition(header.offset + header.raw.count <= framer.totalBytes, "header ends past the bytes fed")
            _ = header.contentNamespace
        case .streamClosed(let offset, let raw):
            precondition(offset + raw.count <= framer.totalBytes, "stream close past the bytes fed")
            if checkable && !raw.isEmpty {
                precondition(Array(fed[offset..<(offset + raw.count)]) == raw, "stream close raw is not the bytes at its offset")
            }
        case .error(let error):
            precondition(error.skipped.count <= FramerError.keptSkippedBytes, "error keeps too many skipped bytes")
            precondition(error.skippedCount >= error.skipped.count, "skippedCount below the bytes kept")
            _ = error.description
        }
    }
}

/// The program's entry point (see ``runLibFuzzer(_:_:_:)``).
@_cdecl("FuzzFramer_main")
public func fuzzFramerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, fuzzFramer)
}
