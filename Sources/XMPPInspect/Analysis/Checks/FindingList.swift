public import XMPPBase

/// Where checks put what they find about the record in hand (or, at the end, the connection).
public struct FindingList {
    /// One finding, the records it is about, and the side at fault.
    public struct Entry {
        public var finding: Finding
        public var about: [Int]
        public var direction: Direction?
    }

    public private(set) var entries: [Entry] = []

    public init() {}

    /// Reports a finding of `check` about the records `about` (by seq). `direction` is the side at
    /// fault: by default the direction of the record in hand.
    public mutating func report(_ check: CheckDescriptor, _ message: String, about: [Int], direction: Direction? = nil) {
        entries.append(Entry(finding: check.finding(message), about: about, direction: direction))
    }

    mutating func removeAll() { entries.removeAll(keepingCapacity: true) }
    var isEmpty: Bool { entries.isEmpty }
}
