/// What the framer made of one top-level element, shared by every copy of a ``FramedElement``:
/// its parts (``FramedElementParts``), then in the same allocation the bytes as sent and the
/// packed attributes (``PackedAttributes``). One allocation per element as the framer makes it,
/// one free as its last copy goes; the bytes are copied once, from the framer's window.
///
/// Never changed once made (``make(parts:raw:packed:)`` writes the bytes before handing it out),
/// which is what lets ``FramedElement`` be sent across threads: `ManagedBuffer` itself is not
/// `Sendable`, and no checked form of tail-allocated storage exists.
final class FramedElementStorage: ManagedBuffer<FramedElementParts, UInt8> {
    /// A storage holding `parts`, the bytes of `raw` and then `packed`.
    static func make(parts: FramedElementParts, raw: UnsafeBufferPointer<UInt8>, packed: UnsafeBufferPointer<UInt8>) -> FramedElementStorage {
        assert(parts.rawCount == raw.count && parts.packedLength == packed.count, "FramedElementStorage: parts and bytes disagree")
        let buffer = create(minimumCapacity: raw.count + packed.count) { _ in parts }
        buffer.withUnsafeMutablePointerToElements { elements in
            if let base = raw.baseAddress { elements.initialize(from: base, count: raw.count) }
            if let base = packed.baseAddress { (elements + raw.count).initialize(from: base, count: packed.count) }
        }
        return unsafeDowncast(buffer, to: FramedElementStorage.self)
    }

    /// Calls `body` with the bytes as sent, valid only inside `body`.
    func withRaw<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        let count = header.rawCount
        return withUnsafeMutablePointerToElements { body(UnsafeBufferPointer(start: $0, count: count)) }
    }

    /// Calls `body` with the packed attributes, or returns nil when there are none (the
    /// attributes are in `framed`). The view is valid only inside `body`.
    func withPackedAttributes<Result>(_ body: (PackedAttributes) -> Result) -> Result? {
        guard let packedCount = header.packedCount else { return nil }
        let start = header.rawCount, length = header.packedLength
        return withUnsafeMutablePointerToElements { body(PackedAttributes(bytes: UnsafeBufferPointer(start: $0 + start, count: length), count: packedCount)) }
    }
}
