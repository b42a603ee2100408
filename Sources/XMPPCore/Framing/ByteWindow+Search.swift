/// Searches over the held bytes, by stream offset: what the framer looks for between elements,
/// where libxml2 does not (yet) tell it.
extension ByteWindow {
    /// Whether the bytes at `offset` spell `token`.
    func starts(with token: String, at offset: Int) -> Bool {
        for (index, expected) in token.utf8.enumerated() where byte(at: offset + index) != expected { return false }
        return true
    }

    /// The first byte at or after `offset` that is not XML whitespace.
    func firstNonWhitespace(from offset: Int) -> Int? {
        var index = max(offset, start) - start
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return index + start
            }
        }
        return nil
    }

    /// The first `<` at or after `offset`.
    func firstTag(from offset: Int) -> Int? {
        var index = max(offset, start) - start
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "<") { return index + start }
            index += 1
        }
        return nil
    }

    /// The last `<` in `[from, before)` (attribute values cannot hold a `<`, so this is where the
    /// tag ending at `before` began, if it began after `from`).
    /// It runs on every stanza's start tag, backwards over its attributes: sixteen bytes at a
    /// time, then byte by byte over the few left.
    func lastTag(from: Int, before: Int) -> Int? {
        let low = max(from, start) - start
        var index = min(before, end) - start  // one past the next byte to look at
        guard index > low else { return nil }
        return bytes.withUnsafeBufferPointer { buffer in
            let raw = UnsafeRawPointer(buffer.baseAddress!)
            while index - 16 >= low {
                // Sixteen bytes at a time: each `<` is a lane of 0xFF; the last one is in the
                // highest lane set (the vector type is spelt out, as in XMLCharacterValidator).
                let vector = raw.loadUnaligned(fromByteOffset: index - 16, as: SIMD16<UInt8>.self)
                let lanes = unsafeBitCast(vector .== SIMD16<UInt8>(repeating: UInt8(ascii: "<")), to: SIMD2<UInt64>.self)
                if lanes[1] != 0 { return index - 16 + (127 - lanes[1].leadingZeroBitCount) >> 3 + start }
                if lanes[0] != 0 { return index - 16 + (63 - lanes[0].leadingZeroBitCount) >> 3 + start }
                index -= 16
            }
            while index > low {
                index -= 1
                if buffer[index] == UInt8(ascii: "<") { return index + start }
            }
            return nil
        }
    }

    /// The first `<` at or after `offset` that opens an element (skipping `<?…?>` and `<!…>`).
    func firstElementTag(from offset: Int) -> Int? {
        var index = max(offset, start)
        while let candidate = firstTag(from: index) {
            if let next = byte(at: candidate + 1), next != UInt8(ascii: "?"), next != UInt8(ascii: "!") { return candidate }
            index = candidate + 1
        }
        return nil
    }

    /// Whether the bytes at `offset` open a stream (`<?xml` or a tag named `…stream`); nil until
    /// enough bytes are in to tell.
    /// `alsoBody`: a BOSH `<body>` (XEP-0124) also opens a stream.
    func startsStream(at offset: Int, alsoBody: Bool = false) -> Bool? {
        var rest = bytes[(offset - start)...]
        if rest.count < 3 && Self.byteOrderMark.starts(with: rest) { return nil }
        if rest.starts(with: Self.byteOrderMark) { rest = rest.dropFirst(3) }
        guard let first = rest.first else { return nil }
        guard first == UInt8(ascii: "<") else { return false }
        // The name, read in place (a context starts at every BOSH body: no copies).
        let nameStart = rest.startIndex + 1
        var index = nameStart
        while index < rest.endIndex {
            switch rest[index] {
            case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ">"), UInt8(ascii: "/"):
                let name = rest[nameStart..<index]
                if name.isEmpty { return false }
                return name.elementsEqual(Self.xmlDeclarationName) || name.elementsEqual(Self.streamName)
                    || (name.count >= Self.prefixedStreamName.count && name.suffix(Self.prefixedStreamName.count).elementsEqual(Self.prefixedStreamName))
                    || (alsoBody && name.elementsEqual(Self.bodyName))
            default:
                if index - nameStart >= 64 { return false }
            }
            index += 1
        }
        return nil
    }

    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
    private static let xmlDeclarationName = Array("?xml".utf8)
    private static let streamName = Array("stream".utf8)
    private static let prefixedStreamName = Array(":stream".utf8)
    private static let bodyName = Array("body".utf8)

    /// The RFC 6120 §11.1 construct that starts at `offset`, if one does.
    func restrictedConstruct(at offset: Int) -> RestrictedConstruct? {
        if starts(with: "<!DOCTYPE", at: offset) || starts(with: "<!ENTITY", at: offset) { return .documentTypeDeclaration(name: "") }
        if starts(with: "<!--", at: offset) { return .comment }
        if starts(with: "<?", at: offset) && !starts(with: "<?xml", at: offset) { return .processingInstruction(target: "") }
        return nil
    }

    /// The next place decoding can start again at or after `offset`, or (when there is none yet)
    /// where to look next time.
    func findResynchronisationPoint(from offset: Int) -> (found: (offset: Int, point: ResynchronisationPoint)?, resume: Int) {
        var index = max(offset, start) - start
        return bytes.withUnsafeBufferPointer { buffer in
            while index < buffer.count {
                guard buffer[index] == UInt8(ascii: "<") else { index += 1; continue }
                switch ResynchronisationPoint.match(buffer, at: index) {
                case .found(let point): return ((index + start, point), index + start)
                case .needMoreBytes: return (nil, index + start)
                case .no: index += 1
                }
            }
            return (nil, end)
        }
    }
}
