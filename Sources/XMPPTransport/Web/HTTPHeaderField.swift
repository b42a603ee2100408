/// One HTTP header line as sent: its name (case kept) and value.
public struct HTTPHeaderField: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

extension Array where Element == HTTPHeaderField {
    /// The value of the first field with this name, compared case-insensitively.
    public func first(named name: String) -> String? {
        first { $0.name.caseInsensitiveCompare(name) }?.value
    }
}

extension String {
    func caseInsensitiveCompare(_ other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        return zip(utf8, other.utf8).allSatisfy { a, b in
            (a | 0x20) == (b | 0x20) || a == b
        }
    }
}
