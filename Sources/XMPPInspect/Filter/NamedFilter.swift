/// A filter saved as `NAME.filter`: the first comment line describes it, the other lines hold
/// the expression.
public struct NamedFilter: Sendable, Hashable {
    public var name: String
    public var description: String
    public var expression: String
    /// Where it was found: compiled in, or a file.
    public var origin: NamedFilterOrigin

    public init(name: String, description: String, expression: String, origin: NamedFilterOrigin) {
        self.name = name
        self.description = description
        self.expression = expression
        self.origin = origin
    }

    /// A filter from the text of a `.filter` file: comment lines start with `#` (the first one
    /// is the description), every other non-blank line is part of the expression.
    public init(name: String, text: String, origin: NamedFilterOrigin) {
        var description = ""
        var expression: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = String(line).trimmingCharacters(in: " \t\r")
            if trimmed.hasPrefix("#") {
                if description.isEmpty { description = String(trimmed.dropFirst()).trimmingCharacters(in: " \t") }
            } else if !trimmed.isEmpty {
                expression.append(trimmed)
            }
        }
        self.init(name: name, description: description, expression: expression.joined(separator: " "), origin: origin)
    }
}
