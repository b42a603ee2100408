/// Spaces that pad a column, written straight into a string or an interpolation: counts of up
/// to 15 make a small string (no allocation), longer ones are written 32 at a time.
struct Blanks: CustomStringConvertible, TextOutputStreamable {
    /// How many spaces; none when it is not positive (the text is as wide as its column or wider).
    let count: Int

    /// `count` spaces.
    init(_ count: Int) { self.count = count }

    private static let run = String(repeating: " ", count: 32)

    /// Writes the spaces to `target`.
    func write<Target: TextOutputStream>(to target: inout Target) {
        let step = Self.run.utf8.count
        var left = count
        while left > 0 {
            let now = min(left, step)
            target.write(now == step ? Self.run : String(decoding: Self.run.utf8.prefix(now), as: UTF8.self))
            left -= now
        }
    }

    /// The spaces as a string.
    var description: String {
        var text = ""
        write(to: &text)
        return text
    }
}
