/// Holds back what the server sends until it ends on an element boundary, so that a
/// `<stream:features/>` can be replaced whole before the client sees any of it.
///
/// Positions are offsets in the server's plaintext byte stream, the same ones the inspector's
/// framer reports. The framer tells the editor where each top-level element (or stream header)
/// ends and which ones to replace; ``relay(_:)`` then hands on everything up to the last
/// boundary, edited, and keeps the rest. While inactive it holds nothing.
public struct FeatureEditor: Sendable {
    /// Whether bytes are held back until a boundary.
    public private(set) var isActive = false
    /// Offset of the first byte not yet handed on.
    public private(set) var releasedThrough = 0
    /// Offset just past the last byte read.
    public private(set) var readThrough = 0
    private var held: [UInt8] = []
    private var boundary = 0
    private var replacements: [(range: Range<Int>, bytes: [UInt8])] = []

    public init() {}

    /// Starts holding back from the next byte read.
    public mutating func activate() {
        isActive = true
        boundary = max(boundary, releasedThrough)
    }

    /// Stops holding back: the next ``relay(_:)`` (or ``drain()``) hands on everything.
    public mutating func deactivate() { isActive = false }

    /// A top-level element or stream header ends at `offset` (exclusive).
    public mutating func elementEnded(at offset: Int) { boundary = max(boundary, offset) }

    /// Sends `bytes` instead of the stream's `range`. False when part of it already went out
    /// (the editor was activated too late): nothing is replaced then.
    @discardableResult
    public mutating func replace(_ range: Range<Int>, with bytes: [UInt8]) -> Bool {
        guard isActive, range.lowerBound >= releasedThrough else { return false }
        replacements.append((range, bytes))
        return true
    }

    /// Takes the bytes just read; returns what to hand on now.
    public mutating func relay(_ bytes: some Collection<UInt8>) -> [UInt8] {
        readThrough += bytes.count
        if !isActive && held.isEmpty && replacements.isEmpty {
            releasedThrough = readThrough
            return Array(bytes)
        }
        held.append(contentsOf: bytes)
        let end = isActive ? min(max(boundary, releasedThrough), readThrough) : readThrough
        return release(through: end)
    }

    /// Everything still held (the stream ended, or the connection is closing).
    public mutating func drain() -> [UInt8] {
        release(through: readThrough)
    }

    private mutating func release(through end: Int) -> [UInt8] {
        let count = end - releasedThrough
        guard count > 0 else { return [] }
        var output: [UInt8] = []
        output.reserveCapacity(count)
        var position = releasedThrough
        replacements.sort { $0.range.lowerBound < $1.range.lowerBound }
        while let first = replacements.first, first.range.upperBound <= end {
            replacements.removeFirst()
            guard first.range.lowerBound >= position else { continue }  // overlaps one applied already
            output.append(contentsOf: held[(position - releasedThrough)..<(first.range.lowerBound - releasedThrough)])
            output.append(contentsOf: first.bytes)
            position = first.range.upperBound
        }
        output.append(contentsOf: held[(position - releasedThrough)..<count])
        held.removeFirst(count)
        releasedThrough = end
        return output
    }
}
