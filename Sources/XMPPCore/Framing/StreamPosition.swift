/// Where something sits in one direction's byte stream.
public struct StreamPosition: Sendable, Hashable, CustomStringConvertible {
    /// Bytes before it in this direction, counting from the first byte the framer saw.
    public var offset: Int
    /// 1-based line, counting every `\n` in this direction.
    public var line: Int
    /// 1-based column, in bytes.
    public var column: Int

    public init(offset: Int, line: Int, column: Int) {
        self.offset = offset
        self.line = line
        self.column = column
    }

    public var description: String { "byte \(offset), line \(line):\(column)" }
}
