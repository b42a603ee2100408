/// Spaces that pad a column, written straight into a string or an interpolation: counts of up
/// to 32 are one string made once, longer ones are written 32 at a time.
struct Blanks: CustomStringConvertible, TextOutputStreamable {
    /// How many spaces; none when it is not positive (the text is as wide as its column or wider).
    let count: Int

    /// `count` spaces.
    init(_ count: Int) { self.count = count }

    /// Runs of 0 to 32 spaces, made once: a run cut from a longer one cost a new string a write.
    private static let runs = (0...32).map { String(repeating: " ", count: $0) }

    /// Writes the spaces to `target`.
    func write<Target: TextOutputStream>(to target: inout Target) {
        let step = Self.runs.count - 1
        var left = count
        while left > 0 {
            let now = min(left, step)
            target.write(Self.runs[now])
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
