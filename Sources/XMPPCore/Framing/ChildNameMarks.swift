/// The local names of a top-level element's children, as marks the framer sets from their start
/// tags: a clear mark says no child has that name; a set one says one may have it (names share
/// 64 marks). Checks read them before searching the bytes or building the tree.
public struct ChildNameMarks: Sendable, Hashable {
    /// A mark for each name a child has.
    public private(set) var present: UInt64
    /// A mark for each name two or more children have (or that shares its mark with another's).
    public private(set) var repeated: UInt64

    /// No children.
    public init() {
        present = 0
        repeated = 0
    }

    /// Every name may be there, any number of times: what an element framed without marks has.
    public static let unknown = ChildNameMarks(present: .max, repeated: .max)

    private init(present: UInt64, repeated: UInt64) {
        self.present = present
        self.repeated = repeated
    }

    /// A child named `localName` (libxml2's NUL-terminated name). A name that is not ASCII makes
    /// every mark set (see ``ByteMark``).
    mutating func add(_ localName: UnsafePointer<UInt8>) {
        var length = 0, bits: UInt8 = 0
        while localName[length] != 0 {
            bits |= localName[length]
            length += 1
        }
        guard bits < 0x80 else {
            self = .unknown
            return
        }
        let mark = ByteMark.of(ascii: UnsafeBufferPointer(start: localName, count: length))
        repeated |= present & mark
        present |= mark
    }

    /// Whether a child may be named `name`.
    public func mayHave(_ name: StaticString) -> Bool {
        present & Self.mark(name) != 0
    }

    /// Whether two or more children may be named `name`.
    public func mayHaveSeveral(_ name: StaticString) -> Bool {
        repeated & Self.mark(name) != 0
    }

    private static func mark(_ name: StaticString) -> UInt64 {
        ByteMark.of(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)) ?? .max
    }
}
