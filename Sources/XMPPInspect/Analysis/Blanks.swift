/// `count` spaces (none when `count` is not positive), for padding a column in an
/// interpolation without building a string of its own when there are few.
struct Blanks: CustomStringConvertible, TextOutputStreamable {
    let count: Int

    init(_ count: Int) { self.count = count }

    private static let run = String(repeating: " ", count: 32)

    func write<Target: TextOutputStream>(to target: inout Target) {
        var left = count
        while left > 0 {
            let now = min(left, 32)
            target.write(now == 32 ? Self.run : String(Self.run.utf8.prefix(now))!)
            left -= now
        }
    }

    var description: String {
        var text = ""
        write(to: &text)
        return text
    }
}
